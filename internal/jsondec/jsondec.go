// Package jsondec holds the one decoder of JSON into an ordered tree that
// psbox's payload builder and OpenAPI generator share: objects keep their
// members in file order, numbers stay exact as json.Number.
package jsondec

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// Decode parses one JSON value. Objects are made by newObject and filled by
// put, member by member in file order (a repeated key is put again: put
// decides which value wins); arrays are []any (never nil), numbers
// json.Number, strings string, booleans bool, null nil. Trailing data is an
// error.
func Decode[O any](b []byte, newObject func() O, put func(o O, key string, v any)) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	v, err := value(d, newObject, put)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}

func value[O any](d *json.Decoder, newObject func() O, put func(O, string, any)) (any, error) {
	t, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t {
	case json.Delim('{'):
		o := newObject()
		for d.More() {
			kt, err := d.Token()
			if err != nil {
				return nil, err
			}
			k, _ := kt.(string)
			v, err := value(d, newObject, put)
			if err != nil {
				return nil, err
			}
			put(o, k, v)
		}
		_, err := d.Token() // '}'
		return o, err
	case json.Delim('['):
		s := []any{}
		for d.More() {
			v, err := value(d, newObject, put)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		_, err := d.Token() // ']'
		return s, err
	}
	return t, nil
}
