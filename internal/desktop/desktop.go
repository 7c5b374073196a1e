// Package desktop holds the TUI's adapters to the user's desktop: the
// clipboard and the editor. They run programs and touch files, which the
// ui package never does; tuiapp hands them to it.
package desktop

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// Copy puts text on the clipboard: through a clipboard command when one is
// installed (pbcopy, wl-copy, xclip, xsel), else as OSC 52 on term when
// onTerminal says term is a terminal.
func Copy(text string, term io.Writer, onTerminal bool) error {
	for _, c := range [][]string{{"pbcopy"}, {"wl-copy"}, {"xclip", "-selection", "clipboard"}, {"xsel", "--clipboard", "--input"}} {
		if _, err := exec.LookPath(c[0]); err != nil {
			continue
		}
		if c[0] == "wl-copy" && os.Getenv("WAYLAND_DISPLAY") == "" {
			continue
		}
		if (c[0] == "xclip" || c[0] == "xsel") && os.Getenv("DISPLAY") == "" {
			continue
		}
		cmd := exec.Command(c[0], c[1:]...)
		cmd.Stdin = strings.NewReader(text)
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s failed (%v); select the text in the detail view instead", c[0], err)
		}
		return nil
	}
	if !onTerminal {
		return errors.New("no clipboard command (pbcopy, wl-copy, xclip, xsel) and no terminal for OSC 52; select the text in the detail view instead")
	}
	_, err := io.WriteString(term, "\x1b]52;c;"+base64.StdEncoding.EncodeToString([]byte(text))+"\a")
	return err
}

// EditCommand writes text to a private temp file and returns the command
// that opens it in $VISUAL or $EDITOR and a function that reads the edited
// text back and removes the file; no command (nil) when neither is set.
func EditCommand(text string) (*exec.Cmd, func() (string, error), error) {
	editor := os.Getenv("VISUAL")
	if editor == "" {
		editor = os.Getenv("EDITOR")
	}
	args := strings.Fields(editor)
	if len(args) == 0 {
		return nil, nil, nil
	}
	f, err := os.CreateTemp("", "psbox-payload-*.json")
	if err != nil {
		return nil, nil, fmt.Errorf("cannot create a file for the editor: %v", err)
	}
	path := f.Name()
	_, werr := f.WriteString(text)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(path)
		return nil, nil, fmt.Errorf("cannot write the payload for the editor: %v", werr)
	}
	cmd := exec.Command(args[0], append(args[1:], path)...)
	return cmd, func() (string, error) {
		defer os.Remove(path)
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("cannot read the edited payload: %v", err)
		}
		return string(b), nil
	}, nil
}

// IsTerminal reports whether v is an *os.File on a terminal.
func IsTerminal(v any) bool {
	f, ok := v.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// NoColor reports whether the user asked for no colour: NO_COLOR set and
// not empty (no-color.org).
func NoColor() bool { return os.Getenv("NO_COLOR") != "" }

// ColorOK reports whether colour may be written to v: a terminal, and
// NoColor false.
func ColorOK(v any) bool { return !NoColor() && IsTerminal(v) }
