"""`archiver site`: the archive as a browsable, searchable static website.

The Markdown files are Hugo content already; this package puts a Hugo site around the output
folder without copying it (module mounts), with a small theme of its own (`theme/`), and adds
Pagefind's full-text index after Hugo has built the pages. One step per module:

- `inventory`: what the archive holds (catalog rows, and the files the catalog does not know);
- `plan`: the site's data (order, months, sources) from the inventory; pure;
- `scaffold`: writes the site's configuration, theme, data and generated section pages;
- `tools`: finds and runs the `hugo` and `pagefind` binaries;
- `state`: whether anything changed since the last build (else the build is skipped);
- `manifest`: what the last build was made from, per article;
- `changes`: from the manifest, which pages an incremental build renders (pure);
- `search`: Pagefind's index, whole or an extra bundle of the new pages;
- `build`: the whole `site build`, and `serve`.
"""
