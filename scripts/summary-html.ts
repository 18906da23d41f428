// A job summary as GitHub shows it: the Markdown/HTML the action writes to GITHUB_STEP_SUMMARY, rendered
// by a GitHub-flavoured Markdown renderer (markdown-it with raw HTML and tables, as GitHub allows), in a
// page styled like GitHub's job summary. Used by the screenshot script and by the test of the rendering.
import MarkdownIt from 'markdown-it'

const STYLE = `
body { margin: 0; background: #f6f8fa; font: 14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; color: #1f2328; }
main { max-width: 1180px; margin: 16px auto; background: #fff; border: 1px solid #d1d9e0; border-radius: 6px; padding: 16px 32px; }
h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; }
h3 { font-size: 1.25em; margin-top: 24px; }
table { border-collapse: collapse; display: block; overflow: auto; margin: 8px 0 16px; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; text-align: left; }
tr:nth-child(2n) { background: #f6f8fa; }
th { font-weight: 600; }
sub { font-size: 85%; color: #59636e; }
details { margin: 8px 0; } summary { cursor: pointer; font-weight: 600; }
`

export function summaryHtml(markdown: string, title = 'Job summary'): string {
  const body = new MarkdownIt({ html: true, linkify: false }).render(markdown)
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${title}</title><style>${STYLE}</style></head><body><main>\n${body}</main></body></html>\n`
}
