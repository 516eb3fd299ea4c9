package patch

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// A cache is coop's own cache directory. It holds, each under a name
// made from what it depends on, so that a second build of an unchanged
// program finds everything and rewrites nothing:
//
//	files/    rewritten source files, by the hash of the original and the table
//	mirror/   mirrors of module-cache modules (see mirror)
//	mod/      the go.mod and go.sum files of patched builds
//	overlay/  the -overlay files handed to the go command
//	settled/  the verdicts of the compile check, by the hash of its inputs
//
// Nothing in it is ever changed in place: a file is written under a
// temporary name and renamed, so concurrent coop commands share it safely.
// It can be deleted at any time.
type cache struct {
	dir string
}

// CacheDir returns the directory of coop's cache: $COOP_CACHE if set,
// else coop/ in the user's cache directory (where the go command keeps
// its build cache by default).
func CacheDir(getenv func(string) string) (string, error) {
	if d := getenv("COOP_CACHE"); d != "" {
		return filepath.Abs(d)
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("coop: no cache directory: set COOP_CACHE (%v)", err)
	}
	return filepath.Join(d, "coop"), nil
}

// hashKey returns a hex digest of parts, each length-prefixed so that
// different splits of the same bytes do not collide.
func hashKey(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:", len(p))
		io.WriteString(h, p)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// path returns where the cache keeps an entry of kind under key.
func (c *cache) path(kind, key, ext string) string {
	return filepath.Join(c.dir, kind, key[:2], key+ext)
}

// lookup returns the entry's path and whether it exists.
func (c *cache) lookup(kind, key, ext string) (string, bool) {
	p := c.path(kind, key, ext)
	_, err := os.Stat(p)
	return p, err == nil
}

// put writes data as the entry of kind under key, unless it is there,
// and returns its path.
func (c *cache) put(kind, key, ext string, data []byte) (string, error) {
	p, ok := c.lookup(kind, key, ext)
	if ok {
		return p, nil
	}
	return p, writeAtomic(p, data)
}

// read returns the entry of kind under key, and whether it exists.
func (c *cache) read(kind, key, ext string) ([]byte, bool) {
	b, err := os.ReadFile(c.path(kind, key, ext))
	return b, err == nil
}

// writeAtomic writes data to path under a temporary name, then renames
// it into place.
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// mirror returns the root of a mirror of m, a module in the module cache,
// making it if there is none: a tree of the same files, hard-linked to the
// module cache's (copied where links fail), outside it.
//
// Why: the go command refuses an overlay that replaces files beneath
// GOMODCACHE, so the patched build points each dependency that has
// files to rewrite at its mirror (a replace directive in the build's own
// go.mod, for that version only) and overlays the mirror's files. The
// mirror itself is never changed: it depends only on the module's path and
// version, which the module cache guarantees are immutable, and is shared
// by every build. A module without a go.mod of its own gets the one the go
// command synthesizes for it (m.GoMod), as a replacement directory needs one.
func (c *cache) mirror(m *listModule) (string, error) {
	key := hashKey("mirror", m.Path, m.Version)
	base := m.Path[strings.LastIndex(m.Path, "/")+1:]
	root := filepath.Join(c.dir, "mirror", key[:2], key+"-"+base+"@"+m.Version)
	if _, err := os.Stat(filepath.Join(root, ".coop-mirror")); err == nil {
		return root, nil
	}
	tmp, err := os.MkdirTemp(filepath.Dir(root), ".tmp-*")
	if err != nil {
		if err := os.MkdirAll(filepath.Dir(root), 0o755); err != nil {
			return "", err
		}
		if tmp, err = os.MkdirTemp(filepath.Dir(root), ".tmp-*"); err != nil {
			return "", err
		}
	}
	defer os.RemoveAll(tmp)
	err = filepath.WalkDir(m.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(m.Dir, path)
		dst := filepath.Join(tmp, rel)
		switch {
		case d.IsDir():
			if rel == "." {
				return nil
			}
			return os.Mkdir(dst, 0o755)
		case d.Type().IsRegular():
			return linkOrCopy(path, dst)
		}
		return nil // a module zip holds no other kind of file
	})
	if err != nil {
		return "", fmt.Errorf("coop: mirroring %s@%s: %v", m.Path, m.Version, err)
	}
	if _, err := os.Stat(filepath.Join(tmp, "go.mod")); errors.Is(err, os.ErrNotExist) {
		gomod := []byte("module " + m.Path + "\n")
		if m.GoMod != "" {
			if b, err := os.ReadFile(m.GoMod); err == nil {
				gomod = b
			}
		}
		if err := os.WriteFile(filepath.Join(tmp, "go.mod"), gomod, 0o644); err != nil {
			return "", err
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, ".coop-mirror"), []byte(m.Path+"@"+m.Version+"\n"), 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, root); err != nil {
		// Another coop made it meanwhile: use theirs.
		if _, serr := os.Stat(filepath.Join(root, ".coop-mirror")); serr == nil {
			return root, nil
		}
		return "", err
	}
	return root, nil
}

// linkOrCopy hard-links src at dst, or copies it where a link cannot be made.
func linkOrCopy(src, dst string) error {
	if os.Link(src, dst) == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}
