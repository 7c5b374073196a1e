package main

import (
	"errors"
	"os"

	"github.com/psbox-dev/psbox/recorder"
)

// finishRecording closes the log of a command that records (trigger,
// serve) and turns a log that could not record everything (a full disk)
// into a failed check: "N of M <what> were not recorded: <cause>". The
// lines that were written are whole; the rest are gone.
func finishRecording(rec *recorder.Store, what string) error {
	err := rec.Close()
	if err == nil {
		return nil
	}
	var nr *recorder.NotRecordedError
	if !errors.As(err, &nr) {
		return checkFailed("the deliveries log was not fully saved: %v", err)
	}
	cause := nr.Err
	var pe *os.PathError
	if errors.As(cause, &pe) {
		cause = pe.Err // "no space left on device", without the path said below
	}
	return checkFailed("%d of %d %s were not recorded: %v; free space in %s (the lines recorded are whole)",
		nr.Lost, nr.Total, what, cause, rec.Dir())
}
