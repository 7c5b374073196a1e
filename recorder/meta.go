package recorder

import "context"

// Meta is what a sender knows about an attempt that the HTTP request itself
// does not carry. The sender puts it on the request's context; the recording
// transport (recorder/httprec) copies it into the Exchange.
type Meta struct {
	DeliveryID  string
	Event       string
	Attempt     int
	ReplayOf    string
	InsecureTLS bool
	// Body, when set, is exactly the request body being sent; the recording
	// transport records it as it is instead of reading a copy through
	// GetBody. It must not change until the round trip has ended.
	Body []byte
}

type metaKey struct{}

// WithMeta returns a context carrying m.
func WithMeta(ctx context.Context, m Meta) context.Context {
	return context.WithValue(ctx, metaKey{}, m)
}

// MetaFrom returns the Meta on ctx, if any.
func MetaFrom(ctx context.Context) (Meta, bool) {
	m, ok := ctx.Value(metaKey{}).(Meta)
	return m, ok
}
