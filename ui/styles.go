package ui

import "github.com/charmbracelet/lipgloss"

// The palette: adaptive colours that read on light and dark terminals. With
// NO_COLOR (Ascii profile) they all render as plain text.
var (
	colorAccent  = lipgloss.AdaptiveColor{Light: "#5A56E0", Dark: "#7571F9"}
	colorMuted   = lipgloss.AdaptiveColor{Light: "#8A8A8A", Dark: "#6C6C6C"}
	colorText    = lipgloss.AdaptiveColor{Light: "#1A1A1A", Dark: "#DDDDDD"}
	colorOK      = lipgloss.AdaptiveColor{Light: "#0B8A3E", Dark: "#3FD37A"}
	colorWarn    = lipgloss.AdaptiveColor{Light: "#A86400", Dark: "#F0B429"}
	colorErr     = lipgloss.AdaptiveColor{Light: "#C4213A", Dark: "#FF5F7A"}
	colorSelBg   = lipgloss.AdaptiveColor{Light: "#E4E2FF", Dark: "#2E2C5C"}
	colorBarBg   = lipgloss.AdaptiveColor{Light: "#ECECEC", Dark: "#262626"}
	colorDiffDel = colorErr
	colorDiffAdd = colorOK
)

// Styles are every style the UI uses, grouped by where they appear.
type Styles struct {
	App struct {
		TabActive   lipgloss.Style
		TabInactive lipgloss.Style
		TabGap      lipgloss.Style
		StatusBar   lipgloss.Style
		StatusKey   lipgloss.Style
		StatusText  lipgloss.Style
		Error       lipgloss.Style
		Info        lipgloss.Style
		ErrorView   lipgloss.Style
	}
	List struct {
		Header   lipgloss.Style
		Row      lipgloss.Style
		Selected lipgloss.Style
		Muted    lipgloss.Style
		Empty    lipgloss.Style
	}
	Events struct {
		Group       lipgloss.Style
		Confirmed   lipgloss.Style
		Unconfirmed lipgloss.Style
		Preview     lipgloss.Style
		Title       lipgloss.Style
	}
	Status struct {
		OK     lipgloss.Style // 2xx
		Redir  lipgloss.Style // 3xx
		Client lipgloss.Style // 4xx
		Failed lipgloss.Style // 5xx and transport errors
	}
	Form struct {
		Label  lipgloss.Style
		Error  lipgloss.Style
		Box    lipgloss.Style
		Cursor lipgloss.Style
	}
	Diff struct {
		Pass lipgloss.Style
		Fail lipgloss.Style
		Del  lipgloss.Style
		Add  lipgloss.Style
		Hunk lipgloss.Style
	}
	Detail struct {
		Section lipgloss.Style
		Header  lipgloss.Style
	}
}

// DefaultStyles builds the UI's styles from the palette.
func DefaultStyles() *Styles {
	s := &Styles{}
	s.App.TabActive = lipgloss.NewStyle().Bold(true).Foreground(colorAccent).Underline(true).Padding(0, 1)
	s.App.TabInactive = lipgloss.NewStyle().Foreground(colorMuted).Padding(0, 1)
	s.App.TabGap = lipgloss.NewStyle().Foreground(colorMuted)
	s.App.StatusBar = lipgloss.NewStyle().Background(colorBarBg).Foreground(colorText)
	s.App.StatusKey = lipgloss.NewStyle().Background(colorBarBg).Foreground(colorAccent).Bold(true)
	s.App.StatusText = lipgloss.NewStyle().Background(colorBarBg).Foreground(colorText)
	s.App.Error = lipgloss.NewStyle().Foreground(colorErr).Bold(true)
	s.App.Info = lipgloss.NewStyle().Foreground(colorOK)
	s.App.ErrorView = lipgloss.NewStyle().Foreground(colorErr).Padding(1, 2)

	s.List.Header = lipgloss.NewStyle().Foreground(colorMuted).Bold(true)
	s.List.Row = lipgloss.NewStyle().Foreground(colorText)
	s.List.Selected = lipgloss.NewStyle().Background(colorSelBg).Foreground(colorText).Bold(true)
	s.List.Muted = lipgloss.NewStyle().Foreground(colorMuted)
	s.List.Empty = lipgloss.NewStyle().Foreground(colorMuted).Italic(true).Padding(1, 2)

	s.Events.Group = lipgloss.NewStyle().Foreground(colorMuted)
	s.Events.Confirmed = lipgloss.NewStyle().Foreground(colorOK)
	s.Events.Unconfirmed = lipgloss.NewStyle().Foreground(colorWarn)
	s.Events.Preview = lipgloss.NewStyle().BorderStyle(lipgloss.NormalBorder()).BorderLeft(true).BorderForeground(colorMuted).PaddingLeft(1)
	s.Events.Title = lipgloss.NewStyle().Bold(true).Foreground(colorAccent)

	s.Status.OK = lipgloss.NewStyle().Foreground(colorOK)
	s.Status.Redir = lipgloss.NewStyle().Foreground(colorWarn)
	s.Status.Client = lipgloss.NewStyle().Foreground(colorWarn).Bold(true)
	s.Status.Failed = lipgloss.NewStyle().Foreground(colorErr).Bold(true)

	s.Form.Label = lipgloss.NewStyle().Foreground(colorAccent).Bold(true)
	s.Form.Error = lipgloss.NewStyle().Foreground(colorErr)
	s.Form.Box = lipgloss.NewStyle().Padding(1, 2)
	s.Form.Cursor = lipgloss.NewStyle().Reverse(true)

	s.Diff.Pass = lipgloss.NewStyle().Foreground(colorOK).Bold(true)
	s.Diff.Fail = lipgloss.NewStyle().Foreground(colorErr).Bold(true)
	s.Diff.Del = lipgloss.NewStyle().Foreground(colorDiffDel)
	s.Diff.Add = lipgloss.NewStyle().Foreground(colorDiffAdd)
	s.Diff.Hunk = lipgloss.NewStyle().Foreground(colorMuted)

	s.Detail.Section = lipgloss.NewStyle().Bold(true).Foreground(colorAccent)
	s.Detail.Header = lipgloss.NewStyle().Foreground(colorMuted)
	return s
}

// statusStyle picks the colour of an HTTP status (0: no answer).
func (s *Styles) statusStyle(status int) lipgloss.Style {
	switch {
	case status >= 200 && status < 300:
		return s.Status.OK
	case status >= 300 && status < 400:
		return s.Status.Redir
	case status >= 400 && status < 500:
		return s.Status.Client
	default:
		return s.Status.Failed
	}
}
