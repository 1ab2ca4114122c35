package datasets

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// EnvData is the environment variable naming a folder that holds data sets
// as sub-folders (<POTAU_DATA>/ml-100k, …).
const EnvData = "POTAU_DATA"

// CacheDir returns the user cache folder that Fetch fills:
// os.UserCacheDir()/potau/datasets.
func CacheDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "potau", "datasets"), nil
}

// hasData reports whether dir holds the files Load needs for name, and if
// not, why.
func hasData(dir, name string) (bool, string) {
	st, err := os.Stat(dir)
	if err != nil {
		return false, "does not exist"
	}
	if !st.IsDir() {
		return false, "is not a folder"
	}
	var groups [][]string
	switch name {
	case NameML100K:
		groups = [][]string{ml100k.ratings, {ml100k.users}}
	case NameML1M:
		groups = [][]string{ml1m.ratings, {ml1m.users}}
	}
	for _, g := range groups {
		if _, ok := firstExisting(dir, g...); !ok {
			return false, "has no " + strings.Join(g, " or ")
		}
	}
	return true, ""
}

// Locate finds the folder of a data set. Synthetic data needs none ("" is
// returned). For reference data path is required and returned; for generic
// data path is optional (relative file names then resolve against the
// working directory).
// For ml-100k and ml-1m the candidates are, in order:
//
//  1. path (the config's data.path), or path/<name>;
//  2. $POTAU_DATA/<name>;
//  3. os.UserCacheDir()/potau/datasets/<name> (where Fetch puts it).
//
// A folder counts when it holds the files Load needs. When none does, the
// single error lists what was tried and every way to provide the data.
func Locate(name, path string) (string, error) {
	switch name {
	case NameSynthetic:
		return "", nil
	case NameGeneric, NameReference:
		if path == "" && name == NameGeneric {
			return "", nil
		}
		if path == "" {
			return "", fmt.Errorf("%s data needs data.path (the folder of its files)", name)
		}
		if st, err := os.Stat(path); err != nil || !st.IsDir() {
			return "", fmt.Errorf("%s data: data.path %s is not a folder", name, path)
		}
		return path, nil
	case NameML100K, NameML1M:
	default:
		return "", fmt.Errorf("unknown data set %q (known: %s)", name, strings.Join(Names, ", "))
	}
	var tried []string
	if path != "" {
		for _, p := range []string{path, filepath.Join(path, name)} {
			ok, why := hasData(p, name)
			if ok {
				return p, nil
			}
			tried = append(tried, fmt.Sprintf("data.path: %s %s", p, why))
		}
		// An explicit path that is wrong is an error, not a reason to use
		// another copy silently.
		return "", fmt.Errorf("%s: data.path does not hold the data set:\n  %s", name, strings.Join(tried, "\n  "))
	}
	if env := os.Getenv(EnvData); env != "" {
		p := filepath.Join(env, name)
		ok, why := hasData(p, name)
		if ok {
			return p, nil
		}
		tried = append(tried, fmt.Sprintf("$%s/%s: %s %s", EnvData, name, p, why))
	} else {
		tried = append(tried, fmt.Sprintf("$%s is not set", EnvData))
	}
	cache, err := CacheDir()
	if err == nil {
		p := filepath.Join(cache, name)
		ok, why := hasData(p, name)
		if ok {
			return p, nil
		}
		tried = append(tried, fmt.Sprintf("user cache: %s %s", p, why))
	} else {
		tried = append(tried, fmt.Sprintf("user cache: unavailable (%v)", err))
		cache = "<user cache>/potau/datasets"
	}
	src := sources[name]
	return "", fmt.Errorf(`%s: data not found. Tried:
  - %s
Provide it by one of:
  - set data.path in the config to a folder holding %s and %s
  - set %s to a folder that holds %s/
  - run "potau data fetch %s" to download %s into %s`,
		name, strings.Join(tried, "\n  - "),
		strings.Join(src.need[0], " or "), src.need[1][0],
		EnvData, name, name, src.url, filepath.Join(cache, name))
}

// LocateCopy finds a local copy of a MovieLens data set for Verify. It
// searches like Locate (data.path, $POTAU_DATA/<name>, the user cache) but
// accepts a folder holding Verify's required files even when it cannot be
// loaded, such as the offline ML-1M copy without ratings.dat.
func LocateCopy(name, path string) (string, error) {
	src, ok := sources[name]
	if !ok {
		return "", fmt.Errorf("no checksums for %q (known: %s, %s)", name, NameML100K, NameML1M)
	}
	holds := func(dir string) bool {
		for _, f := range src.required {
			if !fileExists(filepath.Join(dir, f)) {
				return false
			}
		}
		return true
	}
	var cands []string
	if path != "" {
		cands = []string{path, filepath.Join(path, name)}
	} else {
		if env := os.Getenv(EnvData); env != "" {
			cands = append(cands, filepath.Join(env, name))
		}
		if cache, err := CacheDir(); err == nil {
			cands = append(cands, filepath.Join(cache, name))
		}
	}
	for _, c := range cands {
		if holds(c) {
			return c, nil
		}
	}
	return "", fmt.Errorf("%s: no local copy holding %s in %s (fetch one with \"potau data fetch %s\")",
		name, strings.Join(src.required, " and "), strings.Join(cands, ", "), name)
}
