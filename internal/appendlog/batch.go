package appendlog

// Batch is the buffer lines queue in until the next write takes them all
// (group commit). The caller guards it with its own lock. Take swaps the
// buffer for a spare one and Recycle hands the written one back, so after
// the first few batches no buffer grows or is copied again.
type Batch struct {
	lines  []byte // queued lines, back to back, each ending in '\n'
	spare  []byte // a written batch's buffer, for reuse
	bufCap int    // the largest buffer so far: a new one starts this big
	n      int    // lines queued
}

// maxKept is the largest buffer Recycle keeps for reuse.
const maxKept = 16 << 20

// Add queues line, which ends in '\n', and returns how many lines are
// queued now.
func (b *Batch) Add(line []byte) int {
	if b.lines == nil {
		b.lines = make([]byte, 0, max(64<<10, b.bufCap))
	}
	b.lines = append(b.lines, line...)
	b.n++
	return b.n
}

// Len is how many lines are queued.
func (b *Batch) Len() int { return b.n }

// Take returns every queued line and their count, and empties the queue.
// Hand the lines to Recycle once they are written.
func (b *Batch) Take() (lines []byte, n int) {
	lines, n = b.lines, b.n
	b.lines, b.spare, b.n = b.spare[:0], nil, 0
	return lines, n
}

// Drop empties the queue, for lines that will never be written.
func (b *Batch) Drop() {
	b.lines, b.n = b.lines[:0], 0
}

// Recycle keeps a taken buffer for the next batches.
func (b *Batch) Recycle(lines []byte) {
	if cap(lines) > maxKept {
		return
	}
	b.bufCap = max(b.bufCap, cap(lines))
	if len(b.lines) == 0 && cap(b.lines) < cap(lines) {
		b.lines, b.spare = lines[:0], b.lines[:0] // nothing queued since: reuse it at once
	} else {
		b.spare = lines[:0]
	}
}
