/** A dense row-major matrix: the value at (row r, column c) is `data[r * nCols + c]`. */
export interface Matrix {
  readonly data: Float64Array;
  readonly nRows: number;
  readonly nCols: number;
}

/** What the forest and scaler accept: a typed matrix, or plain rows of equal length. */
export type MatrixInput = Matrix | readonly (readonly number[])[];

/** Copies plain rows into a row-major `Float64Array`; every row must have the same length. */
export function toMatrix(rows: readonly (readonly number[])[]): Matrix {
  const nRows = rows.length;
  const nCols = rows[0]?.length ?? 0;
  const data = new Float64Array(nRows * nCols);
  for (let r = 0; r < nRows; r++) {
    const row = rows[r]!;
    if (row.length !== nCols) {
      throw new RangeError(`row ${r} has ${row.length} values, expected ${nCols} like row 0`);
    }
    data.set(row, r * nCols);
  }
  return { data, nRows, nCols };
}

/** Accepts either input form and checks the shape of a typed one. */
export function asMatrix(input: MatrixInput): Matrix {
  if (Array.isArray(input)) return toMatrix(input);
  const m = input as Matrix;
  if (!(m.data instanceof Float64Array)) throw new TypeError("matrix data must be a Float64Array");
  if (!Number.isInteger(m.nRows) || !Number.isInteger(m.nCols) || m.nRows < 0 || m.nCols < 0) {
    throw new RangeError(`matrix shape must be non-negative integers, got ${m.nRows} × ${m.nCols}`);
  }
  if (m.data.length !== m.nRows * m.nCols) {
    throw new RangeError(`matrix data has ${m.data.length} values, expected ${m.nRows} × ${m.nCols}`);
  }
  return m;
}

/**
 * Throws on the first NaN (or, with `finiteOnly`, also ±Infinity), naming the row and column: a NaN
 * compares false with every threshold and would silently send the row down one side of each split.
 */
export function assertNumbers(m: Matrix, what: string, finiteOnly: boolean): void {
  const { data, nCols } = m;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (finiteOnly ? !Number.isFinite(v) : Number.isNaN(v)) {
      const row = Math.floor(i / nCols);
      throw new RangeError(
        `${what}: value at row ${row}, column ${i - row * nCols} is ${v}; expected a finite number`,
      );
    }
  }
}
