// Package junit writes JUnit XML reports as CI systems read them (Jenkins,
// GitLab, GitHub test reporters): test suites of test cases, each passed,
// failed or skipped, with optional captured output.
package junit

import (
	"encoding/xml"
	"fmt"
	"io"
	"time"
)

// Suites is the document root, <testsuites>.
type Suites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Name     string   `xml:"name,attr"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Time     string   `xml:"time,attr"`
	Suites   []Suite  `xml:"testsuite"`
}

// Suite is one <testsuite>.
type Suite struct {
	Name     string `xml:"name,attr"`
	Tests    int    `xml:"tests,attr"`
	Failures int    `xml:"failures,attr"`
	Errors   int    `xml:"errors,attr"`
	Skipped  int    `xml:"skipped,attr"`
	Time     string `xml:"time,attr"`
	Cases    []Case `xml:"testcase"`
}

// Case is one <testcase>: passed unless Failure, Error or Skipped is set.
type Case struct {
	Name       string      `xml:"name,attr"`
	Classname  string      `xml:"classname,attr"`
	Time       string      `xml:"time,attr"`
	Properties *Properties `xml:"properties,omitempty"` // nil: no <properties> element
	Failure    *Failure    `xml:"failure,omitempty"`
	Error      *Failure    `xml:"error,omitempty"` // the case could not run (e.g. an invalid case file)
	Skipped    *Skipped    `xml:"skipped,omitempty"`
	SystemOut  string      `xml:"system-out,omitempty"`
}

// Properties is a case's <properties>.
type Properties struct {
	Property []Property `xml:"property"`
}

// Property is a name and value attached to a test case.
type Property struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// Failure says why a case failed.
type Failure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// Skipped says why a case did not run.
type Skipped struct {
	Message string `xml:"message,attr"`
}

// Seconds formats d as JUnit's time attribute.
func Seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// Write fills in the totals of s and its suites from their cases and writes
// the document, indented, with the XML header.
func Write(w io.Writer, s Suites) error {
	s.Tests, s.Failures, s.Errors, s.Skipped = 0, 0, 0, 0
	for i := range s.Suites {
		su := &s.Suites[i]
		su.Tests, su.Failures, su.Errors, su.Skipped = len(su.Cases), 0, 0, 0
		for _, c := range su.Cases {
			if c.Failure != nil {
				su.Failures++
			}
			if c.Error != nil {
				su.Errors++
			}
			if c.Skipped != nil {
				su.Skipped++
			}
		}
		s.Tests += su.Tests
		s.Failures += su.Failures
		s.Errors += su.Errors
		s.Skipped += su.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(s); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
