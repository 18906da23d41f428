// Written by scripts/write-version.ts from package.json (npm run package); do not edit.
export const VERSION = '0.1.0'
