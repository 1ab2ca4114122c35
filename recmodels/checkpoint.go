package recmodels

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/potau/potau/internal/csr"
	"github.com/potau/potau/internal/dense"
)

// Checkpoint format (all integers little-endian):
//
//	magic   "POTAUREC" (8 bytes)
//	version uint32 (= checkpointVersion)
//	length  uint64, the payload's byte count
//	payload header length uint32, JSON header, then every tensor's float32
//	        values in header order, then (LightGCN) the training graph as
//	        per-user counts (uint32) and item ids (int32)
//	sha256  32 bytes over the payload
const (
	checkpointMagic   = "POTAUREC"
	checkpointVersion = 1
	maxPayload        = 1 << 34
)

type ckptTensor struct {
	Name       string `json:"name"`
	Rows, Cols int
}

type ckptHeader struct {
	Kind     string       `json:"kind"`
	Config   Config       `json:"config"`
	Users    int          `json:"users"`
	Items    int          `json:"items"`
	Tensors  []ckptTensor `json:"tensors"`
	GraphNNZ int          `json:"graph_nnz"`
}

// Save writes a checkpoint of m (a model built by this package).
func Save(w io.Writer, m Model) error {
	t, ok := m.(trainable)
	if !ok {
		return fmt.Errorf("recmodels: Save: %T is not a recmodels model", m)
	}
	h := ckptHeader{Kind: t.Kind(), Config: t.config(), Users: t.NumUsers(), Items: t.NumItems()}
	for _, x := range t.tensors() {
		h.Tensors = append(h.Tensors, ckptTensor{x.name, x.w.Rows, x.w.Cols})
	}
	var graph [][]int32
	if g, ok := m.(*LightGCN); ok {
		graph = g.train
		for _, l := range graph {
			h.GraphNNZ += len(l)
		}
	}
	hj, err := json.Marshal(h)
	if err != nil {
		return err
	}
	var p bytes.Buffer
	binary.Write(&p, binary.LittleEndian, uint32(len(hj)))
	p.Write(hj)
	var b4 [4]byte
	for _, x := range t.tensors() {
		for _, v := range x.w.Data {
			binary.LittleEndian.PutUint32(b4[:], math.Float32bits(v))
			p.Write(b4[:])
		}
	}
	for _, l := range graph {
		binary.LittleEndian.PutUint32(b4[:], uint32(len(l)))
		p.Write(b4[:])
		for _, i := range l {
			binary.LittleEndian.PutUint32(b4[:], uint32(i))
			p.Write(b4[:])
		}
	}
	sum := sha256.Sum256(p.Bytes())
	var hdr bytes.Buffer
	hdr.WriteString(checkpointMagic)
	binary.Write(&hdr, binary.LittleEndian, uint32(checkpointVersion))
	binary.Write(&hdr, binary.LittleEndian, uint64(p.Len()))
	for _, b := range [][]byte{hdr.Bytes(), p.Bytes(), sum[:]} {
		if _, err := w.Write(b); err != nil {
			return fmt.Errorf("recmodels: Save: %w", err)
		}
	}
	return nil
}

// Load reads a checkpoint written by Save, verifying magic, version and
// checksum.
func Load(r io.Reader) (Model, error) {
	var pre [20]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, fmt.Errorf("recmodels: checkpoint truncated in its 20-byte preamble: %w", err)
	}
	if string(pre[:8]) != checkpointMagic {
		return nil, fmt.Errorf("recmodels: not a potau recommender checkpoint (magic %q, want %q)", pre[:8], checkpointMagic)
	}
	if v := binary.LittleEndian.Uint32(pre[8:]); v != checkpointVersion {
		return nil, fmt.Errorf("recmodels: checkpoint version %d, this build reads version %d", v, checkpointVersion)
	}
	n := binary.LittleEndian.Uint64(pre[12:])
	if n > maxPayload {
		return nil, fmt.Errorf("recmodels: checkpoint payload length %d is implausible (corrupt header?)", n)
	}
	buf := make([]byte, n+sha256.Size)
	if k, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("recmodels: checkpoint truncated: %d of %d payload+checksum bytes: %w", k, len(buf), err)
	}
	p := buf[:n]
	if sum := sha256.Sum256(p); !bytes.Equal(sum[:], buf[n:]) {
		return nil, errors.New("recmodels: checkpoint checksum mismatch (file corrupt)")
	}
	rd := &reader{b: p}
	hl := int(rd.u32())
	hj := rd.bytes(hl)
	if rd.err != nil {
		return nil, rd.err
	}
	var h ckptHeader
	if err := json.Unmarshal(hj, &h); err != nil {
		return nil, fmt.Errorf("recmodels: checkpoint header: %w", err)
	}
	if err := h.Config.Validate(); err != nil {
		return nil, fmt.Errorf("recmodels: checkpoint config: %w", err)
	}
	if h.Users < 1 || h.Items < 1 || h.Kind != h.Config.Kind {
		return nil, fmt.Errorf("recmodels: checkpoint header inconsistent (kind %q/%q, %d users, %d items)", h.Kind, h.Config.Kind, h.Users, h.Items)
	}
	var t trainable
	switch h.Kind {
	case "mf":
		t = newMF(h.Config, h.Users, h.Items, 0)
	case "neumf":
		t = newNeuMF(h.Config, h.Users, h.Items, 0)
	case "lightgcn":
		// The graph comes after the tensors; build with an empty graph first.
		t = &LightGCN{cfg: h.Config, EU: newTensor("user", h.Users, h.Config.Dim), EI: newTensor("item", h.Items, h.Config.Dim), nWorkers: h.Config.Workers}
	}
	ts := t.tensors()
	if len(ts) != len(h.Tensors) {
		return nil, fmt.Errorf("recmodels: checkpoint has %d tensors, a %s of this config has %d", len(h.Tensors), h.Kind, len(ts))
	}
	for k, x := range ts {
		ht := h.Tensors[k]
		if ht.Name != x.name || ht.Rows != x.w.Rows || ht.Cols != x.w.Cols {
			return nil, fmt.Errorf("recmodels: checkpoint tensor %d is %s %dx%d, want %s %dx%d", k, ht.Name, ht.Rows, ht.Cols, x.name, x.w.Rows, x.w.Cols)
		}
		for i := range x.w.Data {
			x.w.Data[i] = math.Float32frombits(rd.u32())
		}
		x.g = dense.New(0, 0)
	}
	if g, ok := t.(*LightGCN); ok {
		g.train = make([][]int32, h.Users)
		total := 0
		for u := range g.train {
			c := int(rd.u32())
			if rd.err != nil || c > h.Items {
				return nil, fmt.Errorf("recmodels: checkpoint graph corrupt at user %d", u)
			}
			g.train[u] = make([]int32, c)
			for k := range g.train[u] {
				g.train[u][k] = int32(rd.u32())
			}
			total += c
		}
		if rd.err == nil && total != h.GraphNNZ {
			return nil, fmt.Errorf("recmodels: checkpoint graph has %d edges, header says %d", total, h.GraphNNZ)
		}
		if rd.err == nil {
			adj, err := csr.Bipartite(h.Users, h.Items, g.train)
			if err != nil {
				return nil, fmt.Errorf("recmodels: checkpoint graph: %w", err)
			}
			g.adj = adj
		}
	}
	if rd.err != nil {
		return nil, rd.err
	}
	if len(rd.b) != 0 {
		return nil, fmt.Errorf("recmodels: checkpoint has %d unexpected trailing payload bytes", len(rd.b))
	}
	return t, nil
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.err = fmt.Errorf("recmodels: checkpoint payload shorter than its header says")
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) u32() uint32 {
	b := r.bytes(4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}
