package receiver

// DefaultAddr is where the built-in receiver listens by default: `psbox
// receive`, and the terminal UI's target without --target (psbox's choice,
// the port after the mock API's 8484).
const DefaultAddr = "127.0.0.1:8485"
