// Rendering of a RunReport: job summary, terminal text, action outputs and the JSON report.
// Everything here is pure; the only output goes through the SummaryWriter the caller passes in.

export { formatBytes, shortDigest } from './report/format'
export { DEFAULT_MAX_ROWS, ReportCollector, boundReport, type BoundedReport } from './report/collect'
export { JsonReportSpool } from './report/json-file'
export { renderSummary, type SummaryWriter, type SummaryTableRow, type SummaryTableCell } from './report/summary'
export { renderTerminal, type TerminalOptions } from './report/terminal'
export { actionOutputs, reportJson, reportJsonFrame } from './report/data'
export { summarizeCounts, zeroCounts } from './counts'
