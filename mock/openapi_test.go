package mock

import (
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/mock/openapi"
	"github.com/psbox-dev/psbox/mock/openapi/openapitest"
)

// docValidator checks every answer the handler tests get against the
// OpenAPI document the server serves.
var docValidator = sync.OnceValues(func() (*openapitest.Validator, error) {
	doc, err := openapi.Document(fixtures.Builtin(), "9.9.9-test")
	if err != nil {
		return nil, err
	}
	return openapitest.New(doc)
})

// checkAnswer fails t when an answer does not match the document.
func checkAnswer(t testing.TB, method, path string, rr *httptest.ResponseRecorder) {
	t.Helper()
	v, err := docValidator()
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Answer(method, path, rr.Code, rr.Header(), rr.Body.Bytes()); err != nil {
		t.Errorf("answer does not match the OpenAPI document: %v", err)
	}
}

func TestServer_OpenAPIDocumentWithoutAuth(t *testing.T) {
	a := newTestAPI(t)
	rr := a.sendRequest(t, "GET", openapi.Path, "", noAuth())
	if rr.Code != 200 || rr.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET %s without auth: %d %s", openapi.Path, rr.Code, rr.Header().Get("Content-Type"))
	}
	want, _ := openapi.Document(fixtures.Builtin(), "9.9.9-test")
	if rr.Body.String() != string(want) {
		t.Error("the served document is not openapi.Document of the store's catalog")
	}
}
