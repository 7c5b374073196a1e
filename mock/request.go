package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// DecodeJSON reads a JSON request body into dst: Content-Type must be
// application/json (else 415), the body at most 1 MiB (else 413), one JSON
// value with no unknown fields and no trailing data (else 400). The error is
// a *StatusError for WriteError.
func DecodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	body, err := readJSON(w, r)
	if err != nil {
		return err
	}
	return decodeStrict(body, dst)
}

// readJSON checks the Content-Type and reads the body, at most
// MaxRequestBytes.
func readJSON(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if err := requireJSON(r); err != nil {
		return nil, err
	}
	if r.ContentLength > MaxRequestBytes {
		// Announced too large: answer from the header, without waiting
		// for a body psbox would refuse anyway.
		return nil, decodeError(&http.MaxBytesError{Limit: MaxRequestBytes})
	}
	if n := r.ContentLength; n >= 0 {
		// The server's body reader stops at Content-Length: read exactly
		// that, into a buffer of that size.
		b := make([]byte, n)
		if _, err := io.ReadFull(r.Body, b); err != nil {
			return nil, decodeError(err)
		}
		return b, nil
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, MaxRequestBytes)); err != nil {
		return nil, decodeError(err)
	}
	return buf.Bytes(), nil
}

// decodeStrict decodes exactly one JSON value with no unknown fields,
// field names in their exact case, each key once, and only valid UTF-8
// (checkStrict).
func decodeStrict(body []byte, dst any) error {
	if json.Valid(body) {
		if err := checkStrict(body, jsonFields(dst)); err != nil {
			return err
		}
	} // else the decoder below words the syntax error
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if err := dec.Decode(&struct{}{}); err != io.EOF {
		return &StatusError{http.StatusBadRequest, "invalid JSON body: trailing data after the first JSON value; send exactly one JSON object"}
	}
	return nil
}

func requireJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "application/json" {
		return nil // the usual case, without parsing
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		if ct == "" {
			ct = "none"
		}
		return &StatusError{http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Type %s is not supported; send the body as JSON with Content-Type: application/json", ct)}
	}
	return nil
}

func decodeError(err error) error {
	var mbe *http.MaxBytesError
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return &StatusError{http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes; send a smaller body", MaxRequestBytes)}
	case errors.Is(err, io.EOF):
		return &StatusError{http.StatusBadRequest, "request body is empty; send a JSON object"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &StatusError{http.StatusBadRequest, "invalid JSON body: it ends too early; send a complete JSON object"}
	case errors.As(err, &se):
		return &StatusError{http.StatusBadRequest, fmt.Sprintf("invalid JSON body at byte %d: %v", se.Offset, se)}
	case errors.As(err, &te):
		if te.Field == "" {
			return &StatusError{http.StatusBadRequest, fmt.Sprintf("invalid JSON body: got %s, want a JSON object", te.Value)}
		}
		return &StatusError{http.StatusBadRequest, fmt.Sprintf("invalid %s: got %s, want %s", te.Field, te.Value, jsonKind(te.Type.String()))}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		return &StatusError{http.StatusBadRequest, fmt.Sprintf("unknown field %s; this endpoint accepts only the fields in the API reference", name)}
	default:
		return &StatusError{http.StatusBadRequest, "invalid JSON body: " + err.Error()}
	}
}

func jsonKind(goType string) string {
	switch goType {
	case "string":
		return "a string"
	case "[]string":
		return "an array of strings"
	case "int", "int64":
		return "a number"
	case "bool":
		return "true or false"
	}
	return goType
}
