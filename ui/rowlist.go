package ui

// rowChunk is how many rows one block of a rowList holds (512 KiB of rows).
const rowChunk = 4096

// rowList holds the list's rows in log order, in fixed-size blocks: it
// grows by one block at a time, so a list of a million rows never has a
// second copy of itself in memory while it fills (a slice doubling would
// hold the old and the new array at once).
type rowList struct {
	blocks [][]row
	n      int
}

func (l rowList) len() int { return l.n }

// get is row i (0 = the oldest).
func (l *rowList) get(i int) *row { return &l.blocks[i/rowChunk][i%rowChunk] }

// push appends r and returns where it is kept (valid until the next
// push). The first block grows as a slice does, so a short list stays
// small; the next ones are made whole.
func (l *rowList) push(r row) *row {
	b := l.n / rowChunk
	if b == len(l.blocks) {
		var blk []row
		if b > 0 {
			blk = make([]row, 0, rowChunk)
		}
		l.blocks = append(l.blocks, blk)
	}
	l.blocks[b] = append(l.blocks[b], r)
	l.n++
	return &l.blocks[b][len(l.blocks[b])-1]
}

// clear forgets every row and the memory that held them.
func (l *rowList) clear() { *l = rowList{} }
