package audit

import (
	"errors"
	"fmt"

	"github.com/psbox-dev/psbox/mock/delivery"
)

// Validate checks the options a user gives (the flags of psbox audit):
// a target, a positive budget, an effects template and known check ids.
// The delivery options are checked where they are parsed.
func (o Options) Validate() error {
	if o.Target == "" {
		return errors.New("--target is required: the URL of your webhook receiver, e.g. --target http://localhost:3000/webhooks")
	}
	if err := delivery.ValidateTarget(o.Target); err != nil {
		return fmt.Errorf("--target: %v", err)
	}
	if o.Budget <= 0 {
		return fmt.Errorf("--budget %s: give a positive duration such as 2s", o.Budget)
	}
	if o.Effects != "" {
		if err := ValidateEffects(o.Effects); err != nil {
			return err
		}
	}
	if err := ValidateIDs("--only", o.Only); err != nil {
		return err
	}
	return ValidateIDs("--skip", o.Skip)
}
