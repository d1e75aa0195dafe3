// LanceDB's native module starts its Rust logger when it is loaded, at level warn, writing to
// the process's stderr: `start` then printed "No existing dataset at ..., it will be created"
// into the console for every new index version, beside the progress bars. Its level comes from
// LANCEDB_LOG, read once at load, so this module sets it before `@lancedb/lancedb` is imported
// (lancedb-tables.ts imports it first). Errors still print; an operator's own value wins.
process.env['LANCEDB_LOG'] ??= 'error';
