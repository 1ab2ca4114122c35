package datasets

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// Load locates and reads the data set c names (synthetic data is
// generated). The result is unfiltered; its Checksum identifies the source.
// For name: reference the split's positives are returned as a Dataset
// (train and test, without timestamps).
func Load(ctx context.Context, c Config) (*Dataset, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	switch c.Name {
	case NameSynthetic:
		return Generate(ctx, c.Synthetic)
	case NameReference:
		sp, err := LoadReference(c.Path, c.Reference)
		if err != nil {
			return nil, err
		}
		return datasetFromSplit(sp, referenceChecksum(c.Path, c.Reference)), nil
	}
	dir, err := Locate(c.Name, c.Path)
	if err != nil {
		return nil, err
	}
	switch c.Name {
	case NameML100K:
		return LoadML100KAges(ctx, dir, c.AgeGroups)
	case NameML1M:
		return LoadML1M(ctx, dir)
	default: // NameGeneric (Validate admits nothing else)
		return LoadGeneric(ctx, dir, c.Generic)
	}
}

// Prepare loads, filters and splits: Load, then Filter with c.Filter, then
// MakeSplit with c.Split and seed. The target attribute must exist. The
// reference format is already a split and is returned as read (filter and
// split settings do not apply); its Dataset is the split's positives.
func Prepare(ctx context.Context, c Config, seed uint64) (*Dataset, *Split, error) {
	if err := c.Validate(); err != nil {
		return nil, nil, fmt.Errorf("data: %w", err)
	}
	if c.Name == NameReference {
		sp, err := LoadReference(c.Path, c.Reference)
		if err != nil {
			return nil, nil, err
		}
		for _, a := range c.Attribute {
			if err := checkAttribute(sp.Attributes, a, c.Name); err != nil {
				return nil, nil, err
			}
		}
		return datasetFromSplit(sp, referenceChecksum(c.Path, c.Reference)), sp, nil
	}
	d, err := Load(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	for _, a := range c.Attribute {
		if err := checkAttribute(d.Attributes, a, d.Name); err != nil {
			return nil, nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	fd, err := Filter(d, c.Filter)
	if err != nil {
		return nil, nil, err
	}
	sp, err := MakeSplit(fd, c.Split, seed)
	if err != nil {
		return nil, nil, err
	}
	return fd, sp, nil
}

func checkAttribute(attrs map[string]*Attribute, name, ds string) error {
	if attrs[name] == nil {
		return fmt.Errorf("%s: no user attribute %q (has %s)", ds, name, strings.Join(sortedKeys(attrs), ", "))
	}
	return nil
}

// referenceChecksum hashes the reference files' bytes.
func referenceChecksum(dir string, rc ReferenceConfig) string {
	sum := newSourceSum(NameReference)
	for _, p := range []string{filepath.Join(dir, rc.Train), filepath.Join(dir, rc.TestNeg), refUsersPath(dir, rc)} {
		h, _, err := hashFile(p, strings.HasSuffix(p, ".gz"))
		if err != nil {
			h = "unreadable"
		}
		sum.add(p, h)
	}
	return sum.String()
}

// datasetFromSplit returns the positives of sp (train, validation, test) as
// a Dataset with rating 1 and time 0, for statistics.
func datasetFromSplit(sp *Split, checksum string) *Dataset {
	d := &Dataset{Name: NameReference, UserIDs: slices.Clone(sp.UserIDs), ItemIDs: slices.Clone(sp.ItemIDs), Checksum: checksum}
	for u := 0; u < sp.NumUsers; u++ {
		for _, l := range [][][]int32{sp.Train, sp.Valid, sp.Test} {
			if l == nil {
				continue
			}
			for _, i := range l[u] {
				d.Interactions = append(d.Interactions, Interaction{User: int32(u), Item: i, Rating: 1})
			}
		}
	}
	d.Attributes = make(map[string]*Attribute, len(sp.Attributes))
	for n, a := range sp.Attributes {
		d.Attributes[n] = &Attribute{Name: a.Name, Classes: slices.Clone(a.Classes), Labels: slices.Clone(a.Labels)}
	}
	return d
}
