// Package yamlfile reads YAML files whose mistakes are shown to people:
// ssokit.yaml, flow files and the scaffolder's edits. It parses with a
// budget (alias expansion and nesting are bounded before any value is
// built), keeps every node's position, and reports every problem at once as
// file:line:col with the offending line, a caret under it and a "did you
// mean" for misspellings of a known key or value.
package yamlfile
