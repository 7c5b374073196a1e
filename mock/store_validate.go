package mock

import (
	"errors"
	"fmt"
	"slices"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/mock/delivery"
)

// FieldError is a bad value in one field of a create or update request.
type FieldError struct {
	Field string // JSON name of the field, e.g. "target"
	Msg   string // what is wrong and how to fix it
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// ValidateTarget checks a webhook target with the one target check of
// every delivery (delivery.ValidateTarget) and reports it as a FieldError
// on "target".
func ValidateTarget(s string) error {
	var te *delivery.TargetError
	if err := delivery.ValidateTarget(s); errors.As(err, &te) {
		return &FieldError{"target", te.Detail()}
	} else if err != nil {
		return &FieldError{"target", err.Error()}
	}
	return nil
}

// ValidateEvents checks a subscription's event list: not empty, no
// duplicates, and every name in psbox's catalog.
func ValidateEvents(names []string) error { return validateEvents(fixtures.Builtin(), names) }

func validateEvents(cat *fixtures.Catalog, names []string) error {
	if len(names) == 0 {
		return &FieldError{"events", `is empty; list at least one event name, e.g. ["application_created"] (run psbox events for the list)`}
	}
	for i, n := range names {
		if _, ok := cat.Lookup(n); !ok {
			return &FieldError{"events", cat.UnknownEventError(n).Error()}
		}
		if slices.Contains(names[:i], n) {
			return &FieldError{"events", fmt.Sprintf("lists %q twice; list each event once", n)}
		}
	}
	return nil
}
