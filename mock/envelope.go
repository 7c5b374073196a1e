package mock

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
)

// envelope is PartnerStack's response wrapper.
type envelope struct {
	Data    any    `json:"data"`
	Message string `json:"message"`
	Status  int    `json:"status"`
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// WriteJSON answers with the envelope {"data": data, "message": message,
// "status": code} and HTTP status code.
func WriteJSON(w http.ResponseWriter, code int, data any, message string) {
	buf := bufPool.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 64<<10 {
			buf.Reset()
			bufPool.Put(buf)
		}
	}()
	buf.Reset()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(envelope{Data: data, Message: message, Status: code}); err != nil {
		buf.Reset()
		code = http.StatusInternalServerError
		fmt.Fprintf(buf, `{"data":null,"message":%q,"status":500}`+"\n", "cannot encode the response: "+err.Error())
	}
	writeBytes(w, code, buf.Bytes())
}

// writeHook answers 200 with one webhook.
func writeHook(w http.ResponseWriter, hook Webhook, message string) {
	WriteJSON(w, http.StatusOK, hook, message)
}

// contentTypeJSON is shared by every answer's header map; net/http only
// reads it.
var contentTypeJSON = []string{"application/json"}

// writeBytes sends an encoded JSON answer.
func writeBytes(w http.ResponseWriter, code int, body []byte) {
	h := w.Header()
	h["Content-Type"] = contentTypeJSON
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(code)
	w.Write(body)
}

// StatusError is an error with the HTTP status it should be answered with.
type StatusError struct {
	Code int
	Msg  string
}

func (e *StatusError) Error() string { return e.Msg }

// WriteError answers err in the envelope {"data": null, "message": ...,
// "status": code} with the status it maps to: a *StatusError its own code
// and message, a *FieldError 400, ErrNotFound 404, ErrArchived 409,
// anything else 500.
func WriteError(w http.ResponseWriter, err error) {
	var se *StatusError
	var fe *FieldError
	code, msg := http.StatusInternalServerError, err.Error()
	switch {
	case errors.As(err, &se):
		code, msg = se.Code, se.Msg
	case errors.As(err, &fe):
		code, msg = http.StatusBadRequest, "invalid "+fe.Error()
	case errors.Is(err, ErrNotFound):
		code = http.StatusNotFound
	case errors.Is(err, ErrArchived):
		code = http.StatusConflict
	}
	WriteJSON(w, code, nil, msg)
}
