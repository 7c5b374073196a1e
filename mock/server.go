package mock

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/mock/openapi"
)

// MaxRequestBytes bounds a request body; larger bodies get 413.
const MaxRequestBytes = 1 << 20

// VersionHeader carries psbox's version on every response.
const VersionHeader = "X-Psbox-Version"

// Options configure a Server.
type Options struct {
	PublicKey string // HTTP Basic user name
	SecretKey string // HTTP Basic password, or the Bearer token
	Version   string // sent in X-Psbox-Version
}

// Server is the mock PartnerStack Webhooks API: an http.Handler.
//
// Routes: GET|POST /api/v2/webhooks, GET|PATCH|DELETE /api/v2/webhooks/{key},
// and, without auth, GET /_psbox/health and GET /_psbox/openapi.json (the
// OpenAPI 3.1 document of the API and the store's catalog). Every answer is the
// PartnerStack envelope {"data", "message", "status"}; errors carry
// "data": null. Unknown paths and wrong methods get JSON too.
type Server struct {
	store   *Store
	opts    Options
	mux     *http.ServeMux
	routes  map[string]route // patterns registered on mux
	version []string         // the VersionHeader value, shared by every answer
	pubHash [32]byte
	secHash [32]byte

	docMu  sync.Mutex
	docFor *fixtures.Catalog // the catalog doc describes
	doc    []byte
	docErr error
}

// NewServer returns the mock API over store.
func NewServer(store *Store, opts Options) *Server {
	s := &Server{
		store:   store,
		opts:    opts,
		mux:     http.NewServeMux(),
		routes:  map[string]route{},
		version: []string{opts.Version},
		pubHash: sha256.Sum256([]byte(opts.PublicKey)),
		secHash: sha256.Sum256([]byte(opts.SecretKey)),
	}
	s.Handle("GET /api/v2/webhooks", http.HandlerFunc(s.listWebhooks))
	s.Handle("POST /api/v2/webhooks", http.HandlerFunc(s.createWebhook))
	s.Handle("GET /api/v2/webhooks/{key}", http.HandlerFunc(s.getWebhook))
	s.Handle("PATCH /api/v2/webhooks/{key}", http.HandlerFunc(s.updateWebhook))
	s.Handle("DELETE /api/v2/webhooks/{key}", http.HandlerFunc(s.archiveWebhook))
	s.handle("GET /_psbox/health", http.HandlerFunc(s.health), true)
	s.handle("GET "+openapi.Path, http.HandlerFunc(s.openapiDoc), true)
	return s
}

// Store is the subscription store the server serves.
func (s *Server) Store() *Store { return s.store }

// Handle mounts an extra route (a Go 1.22 ServeMux pattern such as
// "POST /_psbox/events") behind the same auth, version header and JSON
// 404/405 answers. Use WriteJSON and WriteError inside h for the envelope.
// Call it before serving requests.
func (s *Server) Handle(pattern string, h http.Handler) { s.handle(pattern, h, false) }

func (s *Server) handle(pattern string, h http.Handler, public bool) {
	s.mux.Handle(pattern, h)
	s.routes[pattern] = route{public: public}
}

// route is what the server knows of a registered pattern.
type route struct {
	public bool // served without auth
}

// ServeHTTP routes one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header()[VersionHeader] = s.version // canonical already: no Set needed
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			WriteError(w, &StatusError{http.StatusInternalServerError, "internal error in psbox; please report it with the request that caused it"})
		}
	}()
	h, pattern := s.mux.Handler(r)
	rt, known := s.routes[pattern]
	if !rt.public && !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="psbox"`)
		WriteError(w, &StatusError{http.StatusUnauthorized, "missing or wrong credentials; send HTTP Basic auth with your public key as user and secret key as password (curl -u PUBLIC:SECRET), or Authorization: Bearer SECRET"})
		return
	}
	if known {
		s.mux.ServeHTTP(w, r) // routes again, setting the path values
		return
	}
	// No route: the mux would answer a plain-text 404, 405 or a redirect
	// to the cleaned path.
	// Run it into a capture and answer in the JSON envelope instead.
	c := &captureWriter{header: http.Header{}}
	h.ServeHTTP(c, r)
	switch c.code {
	case http.StatusMethodNotAllowed:
		allow := c.header.Get("Allow")
		w.Header().Set("Allow", allow)
		WriteError(w, &StatusError{http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed on %s; use %s", r.Method, r.URL.Path, allow)})
	case http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		loc := c.header.Get("Location")
		w.Header().Set("Location", loc)
		WriteError(w, &StatusError{c.code, fmt.Sprintf("%s is not canonical; use %s", r.URL.Path, loc)})
	default:
		WriteError(w, &StatusError{http.StatusNotFound, fmt.Sprintf("no route %s %s; the API lives under /api/v2/webhooks", r.Method, r.URL.Path)})
	}
}

// authorized accepts HTTP Basic public:secret or Bearer secret, comparing
// SHA-256 digests in constant time so neither content nor length leaks.
func (s *Server) authorized(r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return false
	}
	if user, pass, ok := r.BasicAuth(); ok {
		u := sha256.Sum256([]byte(user))
		p := sha256.Sum256([]byte(pass))
		okU := subtle.ConstantTimeCompare(u[:], s.pubHash[:])
		okP := subtle.ConstantTimeCompare(p[:], s.secHash[:])
		return okU&okP == 1
	}
	if len(auth) > 7 && strings.EqualFold(auth[:7], "Bearer ") {
		t := sha256.Sum256([]byte(strings.TrimSpace(auth[7:])))
		return subtle.ConstantTimeCompare(t[:], s.secHash[:]) == 1
	}
	return false
}

type captureWriter struct {
	header http.Header
	code   int
}

func (c *captureWriter) Header() http.Header { return c.header }
func (c *captureWriter) WriteHeader(code int) {
	if c.code == 0 {
		c.code = code
	}
}
func (c *captureWriter) Write(b []byte) (int, error) {
	if c.code == 0 {
		c.code = http.StatusOK
	}
	return len(b), nil
}

// openapiDoc serves the OpenAPI document of the API and of the store's
// catalog, made on first use.
func (s *Server) openapiDoc(w http.ResponseWriter, r *http.Request) {
	cat := s.store.Catalog()
	s.docMu.Lock()
	if s.docFor != cat {
		s.doc, s.docErr = openapi.Document(cat, s.opts.Version)
		s.docFor = cat
	}
	doc, err := s.doc, s.docErr
	s.docMu.Unlock()
	if err != nil {
		WriteError(w, &StatusError{http.StatusInternalServerError, "cannot describe the catalog: " + err.Error()})
		return
	}
	writeBytes(w, http.StatusOK, doc)
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	WriteJSON(w, http.StatusOK, map[string]any{
		"status":   "ok",
		"version":  s.opts.Version,
		"webhooks": s.store.Len(),
	}, "psbox is up")
}
