/** One lab log line (`logFormat: "json"`), as the tests read it. */
export interface LogLine {
  time: string;
  level: string;
  face: string;
  op: string;
  status?: number;
  code?: string;
  caller?: { clientId?: string; objectId?: string; upn?: string };
  hint?: string;
  fields?: Record<string, string | number | boolean>;
}

/** A `logWrite` for startLab that keeps every JSON lab log line, raw (to look for leaked secrets) and parsed. */
export function captureLabLog(): { raw: string[]; lines: LogLine[]; logWrite: (line: string) => void } {
  const raw: string[] = [];
  const lines: LogLine[] = [];
  return {
    raw,
    lines,
    logWrite: (l) => {
      raw.push(l);
      lines.push(JSON.parse(l) as LogLine);
    },
  };
}
