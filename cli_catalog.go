package main

import (
	"os"

	"github.com/psbox-dev/psbox/fixtures"
)

// catalogFlagHelp describes --catalog.
const catalogFlagHelp = "folder of your own event files, one {name, group, description, sample} JSON file an event, added to the catalog or replacing a built-in event (env PSBOX_CATALOG; default ./" + fixtures.DefaultCatalogDir + " when it exists)"

// defaultCatalog is --catalog's default: PSBOX_CATALOG, else "" (the
// ./psbox-events folder when it exists).
func defaultCatalog() string { return os.Getenv("PSBOX_CATALOG") }

// catalog loads the catalog every command uses: the built-in events plus
// the user's folder. A bad event file is a usage error naming the file.
func (g *globals) catalog() (*fixtures.Catalog, error) {
	if g.cat != nil {
		return g.cat, nil
	}
	cat, err := fixtures.ResolveCatalog(g.catalogDir)
	if err != nil {
		return nil, asUsage(err)
	}
	g.cat = cat
	return cat, nil
}
