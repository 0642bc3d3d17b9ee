/** Writes 0/1 predictions (and scores) in the protocol's test order and asks the shared scorer. */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { HDFS_OUT } from "./hdfs-sessions.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SCORER = fileURLToPath(new URL("../../../shared/bench/hdfs_sessions_eval.py", import.meta.url));

export interface HdfsEval {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  precision: number;
  recall: number;
  fpr: number;
  p_proj: number;
  roc_auc?: number;
}

export function scoreHdfs(
  name: string,
  predictions: readonly boolean[],
  scores?: ArrayLike<number>,
): HdfsEval {
  const pred = `${HDFS_OUT}pred-${name}.txt`;
  writeFileSync(pred, `${predictions.map((p) => (p ? 1 : 0)).join("\n")}\n`);
  const args = [SCORER, "eval", "--pred", pred, "--json"];
  if (scores) {
    const path = `${HDFS_OUT}scores-${name}.txt`;
    writeFileSync(path, `${Array.from(scores).join("\n")}\n`);
    args.push("--scores", path);
  }
  const out = execFileSync("python3", args, { cwd: ROOT, encoding: "utf8" });
  return (JSON.parse(out) as HdfsEval[])[0]!;
}

export const f3 = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? "-" : v.toFixed(3));
export const pct = (v: number) => `${(100 * v).toFixed(2)} %`;

/** The usual row: TP FP FN, P, R, FPR, P_proj, ROC-AUC. */
export function evalCells(r: HdfsEval): (string | number)[] {
  return [r.tp, r.fp, r.fn, f3(r.precision), f3(r.recall), pct(r.fpr), f3(r.p_proj), f3(r.roc_auc)];
}
