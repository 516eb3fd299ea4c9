// Package patch is coop's build-time monkey.patch_all(): it rewrites the
// imports of net, time, net/http and crypto/tls to coop's drop-ins in every package
// of a build but the standard library's and coop's, dependencies
// included, and hands the rewritten files to the go command with
// -overlay. The coop command (cmd/coop) is its user; its documentation
// says what a patched build does and why.
//
// The parts: Table (what is swapped for what), RewriteImports (one
// file), the build graph (go list), the verdicts and Report, the cache
// (rewritten files, module mirrors, go.mod files, overlays, the compile
// check's verdicts), the compile check (settle), and Run, Prepare and
// Build.Exec, which put them together.
package patch
