package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/psbox-dev/psbox/internal/cliargs"
	"github.com/psbox-dev/psbox/mock/delivery"
	"github.com/psbox-dev/psbox/recorder"
	"github.com/spf13/cobra"
)

// stateExists reports whether anything is where the state folder should
// be (a file there is reported when the log is opened): commands that only
// read it never create it.
func stateExists(g *globals) bool {
	_, err := os.Stat(g.state)
	return !errors.Is(err, fs.ErrNotExist)
}

// noState says there is no psbox state where --state points.
func noState(g *globals) string {
	return fmt.Sprintf("there is no psbox state in %s: nothing was recorded there; run psbox trigger, psbox serve or the UI in this folder first, or pass --state (or PSBOX_STATE) with the folder they used", g.state)
}

// noArgs is cliargs.NoArgs as a usage error: cobra.NoArgs in one sentence.
func noArgs(cmd *cobra.Command, args []string) error { return asUsage(cliargs.NoArgs(cmd, args)) }

// flagError is cliargs.FlagError as a usage error: a bad flag in one
// sentence.
func flagError(c *cobra.Command, err error) error { return asUsage(cliargs.FlagError(c, err)) }

// lookupExchange finds an exchange by id or unique prefix, or explains why not.
func lookupExchange(s *recorder.Store, id string) (recorder.Exchange, error) {
	ex, err := s.Lookup(id)
	return ex, lookupError(err)
}

// lookupID resolves what show and replay accept: a delivery id (dlv_...,
// or a unique prefix of one) gives every attempt of that delivery, oldest
// first; an exchange id (ex_..., or a unique prefix) gives that one
// exchange.
func lookupID(s *recorder.Store, id string) ([]recorder.Exchange, error) {
	if strings.HasPrefix(id, delivery.DeliveryIDPrefix) {
		attempts, err := s.LookupDelivery(id)
		return attempts, lookupError(err)
	}
	ex, err := lookupExchange(s, id)
	if err != nil {
		return nil, err
	}
	return []recorder.Exchange{ex}, nil
}

// lookupError is a usage error; an unknown id points to the list.
func lookupError(err error) error {
	var le *recorder.LookupError
	if errors.As(err, &le) && le.NotFound() {
		return usageError("%v; run 'psbox deliveries' to list them", err)
	}
	return asUsage(err)
}

// checkAddr checks an --addr value (host:port, port 0-65535) and returns
// its host; example is an address to suggest.
func checkAddr(addr, example string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", usageError("--addr %q is not host:port; use e.g. --addr %s", addr, example)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", usageError("--addr %q has no valid port (0-65535); use e.g. --addr %s", addr, example)
	}
	return host, nil
}

// listenError turns a failed listen on --addr into one sentence with the
// fix; example is an address to suggest.
func listenError(addr, example string, err error) error {
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return usageError("%s is already in use; stop the program using it or pick another port with --addr", addr)
	case errors.Is(err, syscall.EACCES):
		return usageError("not allowed to listen on %s; use a port above 1023 with --addr", addr)
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return usageError("%s is not an address of this machine; use e.g. --addr %s", addr, example)
	}
	return usageError("cannot listen on %s: %v; pick another address with --addr", addr, err)
}
