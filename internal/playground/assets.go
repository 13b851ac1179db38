package playground

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/harmonyhq/harmony/internal/webasset"
)

// AssetsPrefix is the URL path under which the playground's assets are served.
const AssetsPrefix = "/playground/assets/"

// embedded holds the manifest, and the npm files once
// scripts/fetch-playground-assets.sh has put them in assets/dist. The README
// there keeps the folder non-empty so that this compiles on a fresh clone.
//
//go:embed assets
var embedded embed.FS

// ownFiles holds the package's own boot script and stylesheet.
//
//go:embed static/boot.js static/playground.css
var ownFiles embed.FS

// missingAssetsHint is what an operator must do when the npm files are absent.
const missingAssetsHint = "run `make assets`, i.e. scripts/fetch-playground-assets.sh, then rebuild"

// AssetsPresent reports whether the playground's npm files were embedded into
// this binary intact. It returns nil when every file listed in the manifest is
// present with its pinned sha256, and otherwise an error naming each missing
// or altered file and saying how to fetch them. Without them the playground
// page answers 503; the rest of the gateway is unaffected.
func AssetsPresent() error {
	return defaultBundle().err
}

var defaultBundle = sync.OnceValue(func() *bundle {
	vendor, err := fs.Sub(embedded, "assets/dist")
	if err != nil {
		return &bundle{assets: map[string]*asset{}, err: err}
	}
	manifest, err := embedded.ReadFile("assets/manifest.txt")
	if err != nil {
		return &bundle{assets: map[string]*asset{}, err: fmt.Errorf("playground: reading manifest: %w", err)}
	}
	own, err := fs.Sub(ownFiles, "static")
	if err != nil {
		return &bundle{assets: map[string]*asset{}, err: err}
	}
	return loadBundle(vendor, manifest, own)
})

// manifestEntry is one line of assets/manifest.txt.
type manifestEntry struct {
	pkg, version, file, sri string
}

// dir is where the file sits below assets/dist, and below AssetsPrefix.
func (e manifestEntry) dir() string { return e.pkg + "@" + e.version + "/" + e.file }

var (
	pkgNameRE  = regexp.MustCompile(`^(@[a-z0-9._-]+/)?[a-z0-9._-]+$`)
	versionRE  = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)
	filePathRE = regexp.MustCompile(`^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$`)
)

// parseManifest reads the manifest: one file a line as
// "package version file sha256-<base64>", with blank lines and lines starting
// with # ignored. It applies the same checks as the fetch script.
func parseManifest(data []byte) ([]manifestEntry, error) {
	var entries []manifestEntry
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 4 {
			return nil, fmt.Errorf("manifest line %d: want 4 fields (package version file sha256), got %d", n, len(f))
		}
		e := manifestEntry{pkg: f[0], version: f[1], file: f[2], sri: f[3]}
		switch {
		case !pkgNameRE.MatchString(e.pkg):
			return nil, fmt.Errorf("manifest line %d: bad package name %q", n, e.pkg)
		case !versionRE.MatchString(e.version):
			return nil, fmt.Errorf("manifest line %d: version %q is not exact (x.y.z)", n, e.version)
		case !filePathRE.MatchString(e.file) || strings.Contains(e.file, ".."):
			return nil, fmt.Errorf("manifest line %d: bad file path %q", n, e.file)
		case webasset.ContentType(e.file) == "":
			return nil, fmt.Errorf("manifest line %d: %q is neither .js nor .css", n, e.file)
		case !validSRI(e.sri):
			return nil, fmt.Errorf("manifest line %d: hash %q is not sha256-<base64 of 32 bytes>", n, e.sri)
		case seen[e.dir()]:
			return nil, fmt.Errorf("manifest line %d: %s listed twice", n, e.dir())
		}
		seen[e.dir()] = true
		entries = append(entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, errors.New("manifest lists no files")
	}
	return entries, nil
}

func validSRI(s string) bool {
	b64, ok := strings.CutPrefix(s, "sha256-")
	if !ok {
		return false
	}
	sum, err := base64.StdEncoding.DecodeString(b64)
	return err == nil && len(sum) == sha256.Size
}

// asset is one file served below AssetsPrefix.
type asset = webasset.Asset

// bundle is the set of files the page needs, verified against the manifest.
type bundle struct {
	assets  map[string]*asset // by URL path
	scripts []*asset          // in load order
	styles  []*asset          // in load order
	err     error             // non-nil when a vendor file is missing or altered
}

// loadBundle reads the npm files listed in manifest from vendor (laid out as
// assets/dist) and the package's own files from own, and checks every npm
// file against its pinned hash. Files that pass are served even when others
// fail; the page needs all of them and is refused while err is set.
func loadBundle(vendor fs.FS, manifest []byte, own fs.FS) *bundle {
	b := &bundle{assets: map[string]*asset{}}
	entries, err := parseManifest(manifest)
	if err != nil {
		b.err = fmt.Errorf("playground: assets/manifest.txt: %w", err)
		return b
	}
	var errs []error
	for _, e := range entries {
		data, err := fs.ReadFile(vendor, e.dir())
		switch {
		case errors.Is(err, fs.ErrNotExist):
			errs = append(errs, fmt.Errorf("%s: missing", e.dir()))
			continue
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %w", e.dir(), err))
			continue
		}
		a := webasset.New(AssetsPrefix+e.dir(), data)
		if a.SRI != e.sri {
			errs = append(errs, fmt.Errorf("%s: sha256 is %s, manifest pins %s", e.dir(), a.SRI, e.sri))
			continue
		}
		b.add(a)
	}
	// The package's own files, named by content hash so they can be cached
	// forever like the versioned npm files.
	for _, name := range []string{"boot.js", "playground.css"} {
		data, err := fs.ReadFile(own, name)
		if err != nil {
			errs = append(errs, fmt.Errorf("own file %s: %w", name, err))
			continue
		}
		sum := sha256.Sum256(data)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:6]) + ext
		b.add(webasset.New(AssetsPrefix+"harmony/"+hashed, data))
	}
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, err := range errs {
			msgs[i] = err.Error()
		}
		b.err = fmt.Errorf("playground assets missing or altered (%s): %s", missingAssetsHint, strings.Join(msgs, "; "))
	}
	return b
}

func (b *bundle) add(a *asset) {
	b.assets[a.Path] = a
	if path.Ext(a.Path) == ".css" {
		b.styles = append(b.styles, a)
	} else {
		b.scripts = append(b.scripts, a)
	}
}
