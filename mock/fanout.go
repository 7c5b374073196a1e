package mock

import (
	"fmt"
	"time"
)

// FireBound bounds how long POST /_psbox/events waits for its deliveries:
// below the server's 30 s WriteTimeout, so the caller always gets an
// answer. A delivery still running then is cut (and recorded as such).
var FireBound = 20 * time.Second

// fireBoundError is why a delivery cut by FireBound ended.
func fireBoundError() error {
	return fmt.Errorf("not finished within the %s bound of POST /_psbox/events (psbox's choice, under the server's write timeout); its attempt is in the log", FireBound)
}
