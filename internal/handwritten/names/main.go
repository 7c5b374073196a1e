// Command names prints every piece of package handwritten, comma-separated,
// as -X ...handwritten.off takes them (for .ci/run and bench/handwritten.sh).
package main

import (
	"fmt"
	"strings"

	"github.com/psbox-dev/psbox/internal/handwritten"
)

func main() { fmt.Println(strings.Join(handwritten.Names(), ",")) }
