// A module outside psbox that uses package psboxtest as its users do. The
// repository's TestOutsideModule copies it, points the replace directive
// at the repository and runs go test -race in it.
module example.com/outside

go 1.25

require github.com/psbox-dev/psbox v0.0.0

replace github.com/psbox-dev/psbox => ../../..
