// Rendering of a RunReport: job summary, terminal text, action outputs and the JSON report.
// Everything here is pure; the only output goes through the SummaryWriter the caller passes in.

export { formatBytes, shortDigest } from './format'
export { DEFAULT_MAX_ROWS, ReportCollector, boundReport, type BoundedReport } from './collect'
export { JsonReportSpool } from './json-file'
export { renderSummary, type SummaryWriter, type SummaryTableRow, type SummaryTableCell } from './summary'
export { renderTerminal, type TerminalOptions } from './terminal'
export { actionOutputs, reportJson, reportJsonFrame } from './data'
export { summarizeCounts, zeroCounts } from './counts'
