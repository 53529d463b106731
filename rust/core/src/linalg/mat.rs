//! Owned row-major matrices ([`Mat`]) and borrowed strided views ([`MatRef`], [`MatMut`]).
//!
//! The views are the vocabulary of the kernels (the faer habit): a kernel takes `MatRef` for
//! inputs and `MatMut` for the block it overwrites, so a trailing update `C -= A B` on a block of a
//! larger matrix needs no copy, and splitting `C` into row blocks for threads is safe Rust.

use crate::error::{CoreError, Result};
use std::ops::{Index, IndexMut};

/// An owned dense `rows x cols` matrix stored row by row: entry `(i, j)` is `data[i * cols + j]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mat<T> {
    rows: usize,
    cols: usize,
    data: Vec<T>,
}

impl<T> Mat<T> {
    /// The matrix whose rows are consecutive `cols`-long slices of `data`; fails unless
    /// `data.len() == rows * cols`.
    pub fn from_vec(rows: usize, cols: usize, data: Vec<T>) -> Result<Self> {
        let len = rows
            .checked_mul(cols)
            .ok_or_else(|| CoreError::invalid("rows", format!("{rows} x {cols} entries overflow usize")))?;
        if data.len() != len {
            return Err(CoreError::invalid(
                "data",
                format!("a {rows} x {cols} matrix needs {len} entries, got {}", data.len()),
            ));
        }
        Ok(Mat { rows, cols, data })
    }

    /// The matrix with entries `f(i, j)`, computed row by row.
    /// Panics if `rows * cols` overflows `usize`.
    pub fn from_fn(rows: usize, cols: usize, mut f: impl FnMut(usize, usize) -> T) -> Self {
        let mut data = Vec::with_capacity(rows.checked_mul(cols).expect("matrix size overflows usize"));
        for i in 0..rows {
            for j in 0..cols {
                data.push(f(i, j));
            }
        }
        Mat { rows, cols, data }
    }

    /// Number of rows.
    #[inline]
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    #[inline]
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// All entries, row by row.
    #[inline]
    pub fn as_slice(&self) -> &[T] {
        &self.data
    }

    /// All entries, row by row, mutably.
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.data
    }

    /// The row-major entry vector (no copy).
    pub fn into_vec(self) -> Vec<T> {
        self.data
    }

    /// Row `i` (panics when `i >= rows`, like slice indexing).
    #[inline]
    pub fn row(&self, i: usize) -> &[T] {
        assert!(i < self.rows, "row {i} out of range for {} rows", self.rows);
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// Row `i`, mutably (panics when `i >= rows`).
    #[inline]
    pub fn row_mut(&mut self, i: usize) -> &mut [T] {
        assert!(i < self.rows, "row {i} out of range for {} rows", self.rows);
        &mut self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// A borrowed view of the whole matrix.
    #[inline]
    pub fn view(&self) -> MatRef<'_, T> {
        MatRef { data: &self.data, rows: self.rows, cols: self.cols, stride: self.cols }
    }

    /// A mutable borrowed view of the whole matrix.
    #[inline]
    pub fn view_mut(&mut self) -> MatMut<'_, T> {
        MatMut { data: &mut self.data, rows: self.rows, cols: self.cols, stride: self.cols }
    }
}

impl<T: Clone + Default> Mat<T> {
    /// The `rows x cols` matrix of `T::default()` (zero for numbers). Panics only if
    /// `rows * cols` overflows `usize`; kernels call `check_allocation` before asking for big ones.
    pub fn zeros(rows: usize, cols: usize) -> Self {
        let len = rows.checked_mul(cols).expect("matrix size overflows usize");
        Mat { rows, cols, data: vec![T::default(); len] }
    }
}

impl<T: Clone> Mat<T> {
    /// `A^T`.
    pub fn transpose(&self) -> Mat<T> {
        Mat::from_fn(self.cols, self.rows, |i, j| self.data[j * self.cols + i].clone())
    }
}

impl<T> Index<(usize, usize)> for Mat<T> {
    type Output = T;
    #[inline]
    fn index(&self, (i, j): (usize, usize)) -> &T {
        assert!(i < self.rows && j < self.cols, "index ({i}, {j}) out of range");
        &self.data[i * self.cols + j]
    }
}

impl<T> IndexMut<(usize, usize)> for Mat<T> {
    #[inline]
    fn index_mut(&mut self, (i, j): (usize, usize)) -> &mut T {
        assert!(i < self.rows && j < self.cols, "index ({i}, {j}) out of range");
        &mut self.data[i * self.cols + j]
    }
}

/// Shared view of a `rows x cols` block whose entry `(i, j)` is `data[i * stride + j]`.
///
/// Invariant: `cols <= stride` when `rows > 1`, and `data` reaches the last entry.
#[derive(Debug)]
pub struct MatRef<'a, T> {
    data: &'a [T],
    rows: usize,
    cols: usize,
    stride: usize,
}

impl<T> Clone for MatRef<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for MatRef<'_, T> {}

/// Views without columns get stride 0, so that every (empty) row of them is `data[0..0]`.
fn norm_stride(cols: usize, stride: usize) -> usize {
    if cols == 0 {
        0
    } else {
        stride
    }
}

/// Number of slice elements a `rows x cols` block with row stride `stride` spans.
fn span(rows: usize, cols: usize, stride: usize) -> usize {
    if rows == 0 || cols == 0 {
        0
    } else {
        (rows - 1) * stride + cols
    }
}

impl<'a, T> MatRef<'a, T> {
    /// The view of `data` as `rows x cols` with row stride `stride`; checks that it fits.
    pub fn new(data: &'a [T], rows: usize, cols: usize, stride: usize) -> Result<Self> {
        check_shape(data.len(), rows, cols, stride)?;
        Ok(MatRef { data, rows, cols, stride: norm_stride(cols, stride) })
    }

    /// Number of rows.
    #[inline]
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    #[inline]
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Distance between the starts of consecutive rows.
    #[inline]
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// Row `i` (`cols` entries).
    #[inline]
    pub fn row(&self, i: usize) -> &'a [T] {
        assert!(i < self.rows);
        &self.data[i * self.stride..i * self.stride + self.cols]
    }

    /// The `rows x cols` block starting at `(r0, c0)`.
    pub fn submatrix(self, r0: usize, c0: usize, rows: usize, cols: usize) -> MatRef<'a, T> {
        assert!(r0 + rows <= self.rows && c0 + cols <= self.cols, "submatrix out of range");
        let start = if rows == 0 || cols == 0 { 0 } else { r0 * self.stride + c0 };
        let data = &self.data[start..start + span(rows, cols, self.stride)];
        MatRef { data, rows, cols, stride: norm_stride(cols, self.stride) }
    }

    /// Pointer to entry `(0, 0)`; valid for the span described by `rows`, `cols`, `stride`.
    #[inline]
    pub fn as_ptr(&self) -> *const T {
        self.data.as_ptr()
    }
}

/// Exclusive view of a `rows x cols` block whose entry `(i, j)` is `data[i * stride + j]`.
#[derive(Debug)]
pub struct MatMut<'a, T> {
    data: &'a mut [T],
    rows: usize,
    cols: usize,
    stride: usize,
}

impl<'a, T> MatMut<'a, T> {
    /// The view of `data` as `rows x cols` with row stride `stride`; checks that it fits.
    pub fn new(data: &'a mut [T], rows: usize, cols: usize, stride: usize) -> Result<Self> {
        check_shape(data.len(), rows, cols, stride)?;
        Ok(MatMut { data, rows, cols, stride: norm_stride(cols, stride) })
    }

    /// Number of rows.
    #[inline]
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    #[inline]
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Distance between the starts of consecutive rows.
    #[inline]
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// A shared reborrow.
    #[inline]
    pub fn rb(&self) -> MatRef<'_, T> {
        MatRef { data: self.data, rows: self.rows, cols: self.cols, stride: self.stride }
    }

    /// An exclusive reborrow (so the view can be split without giving it up).
    #[inline]
    pub fn rb_mut(&mut self) -> MatMut<'_, T> {
        MatMut { data: self.data, rows: self.rows, cols: self.cols, stride: self.stride }
    }

    /// Row `i` (`cols` entries).
    #[inline]
    pub fn row(&self, i: usize) -> &[T] {
        assert!(i < self.rows);
        &self.data[i * self.stride..i * self.stride + self.cols]
    }

    /// Row `i`, mutably.
    #[inline]
    pub fn row_mut(&mut self, i: usize) -> &mut [T] {
        assert!(i < self.rows);
        &mut self.data[i * self.stride..i * self.stride + self.cols]
    }

    /// Swaps rows `a` and `b`.
    pub fn swap_rows(&mut self, a: usize, b: usize) {
        assert!(a < self.rows && b < self.rows);
        if a == b {
            return;
        }
        let (lo, hi) = (a.min(b), a.max(b));
        let (head, tail) = self.data.split_at_mut(hi * self.stride);
        head[lo * self.stride..lo * self.stride + self.cols].swap_with_slice(&mut tail[..self.cols]);
    }

    /// The first `h` rows and the remaining `rows - h` rows as two disjoint views.
    pub fn split_rows_at(self, h: usize) -> (MatMut<'a, T>, MatMut<'a, T>) {
        assert!(h <= self.rows);
        let (rows, cols, stride) = (self.rows, self.cols, self.stride);
        if h == rows || cols == 0 {
            let top = MatMut { data: self.data, rows: h, cols, stride };
            return (top, MatMut { data: &mut [], rows: rows - h, cols, stride });
        }
        // Row h starts at h * stride, past the last entry (h - 1) * stride + cols of the top.
        let (head, tail) = self.data.split_at_mut(h * stride);
        (MatMut { data: head, rows: h, cols, stride }, MatMut { data: tail, rows: rows - h, cols, stride })
    }

    /// The `rows x cols` block starting at `(r0, c0)`.
    pub fn submatrix_mut(self, r0: usize, c0: usize, rows: usize, cols: usize) -> MatMut<'a, T> {
        assert!(r0 + rows <= self.rows && c0 + cols <= self.cols, "submatrix out of range");
        let start = if rows == 0 || cols == 0 { 0 } else { r0 * self.stride + c0 };
        let len = span(rows, cols, self.stride);
        let stride = norm_stride(cols, self.stride);
        MatMut { data: &mut self.data[start..start + len], rows, cols, stride }
    }

    /// Pointer to entry `(0, 0)`; valid for the span described by `rows`, `cols`, `stride`.
    #[inline]
    pub fn as_mut_ptr(&mut self) -> *mut T {
        self.data.as_mut_ptr()
    }
}

fn check_shape(len: usize, rows: usize, cols: usize, stride: usize) -> Result<()> {
    if rows > 1 && cols > stride {
        return Err(CoreError::invalid("stride", format!("{stride} is below the {cols} columns")));
    }
    if rows == 0 || cols == 0 {
        return Ok(());
    }
    let need = (rows - 1)
        .checked_mul(stride)
        .and_then(|x| x.checked_add(cols))
        .ok_or_else(|| CoreError::invalid("rows", "view size overflows usize"))?;
    if need > len {
        return Err(CoreError::invalid(
            "data",
            format!("a {rows} x {cols} view with stride {stride} needs {need} entries, got {len}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_vec_checks_length() {
        assert!(Mat::from_vec(2, 3, vec![0u64; 6]).is_ok());
        assert!(Mat::from_vec(2, 3, vec![0u64; 5]).is_err());
        assert!(Mat::<u64>::from_vec(usize::MAX, 2, vec![]).is_err());
        assert_eq!(Mat::<u64>::from_vec(0, 7, vec![]).unwrap().rows(), 0);
    }

    #[test]
    fn transpose_and_index() {
        let a = Mat::from_fn(2, 3, |i, j| 10 * i + j);
        let t = a.transpose();
        assert_eq!((t.rows(), t.cols()), (3, 2));
        assert_eq!(t[(2, 1)], 12);
        assert_eq!(a.row(1), &[10, 11, 12]);
        assert_eq!(Mat::<u8>::zeros(0, 4).transpose().rows(), 4);
    }

    #[test]
    fn views_split_and_swap() {
        let mut a = Mat::from_fn(4, 5, |i, j| 10 * i + j);
        let v = a.view_mut().submatrix_mut(1, 1, 3, 3);
        let (mut top, mut bot) = v.split_rows_at(1);
        assert_eq!(top.row(0), &[11, 12, 13]);
        assert_eq!(bot.row(1), &[31, 32, 33]);
        top.row_mut(0)[0] = 0;
        bot.swap_rows(0, 1);
        assert_eq!(a[(1, 1)], 0);
        assert_eq!(a.row(2), &[20, 31, 32, 33, 24]);
        let empty = a.view().submatrix(4, 5, 0, 0);
        assert_eq!(empty.rows(), 0);
        let no_cols = a.view_mut().submatrix_mut(1, 2, 3, 0);
        let (top, bot) = no_cols.split_rows_at(1);
        assert_eq!((top.row(0).len(), bot.row(1).len()), (0, 0));
        assert!(MatRef::new(&[1, 2, 3], 2, 2, 2).is_err());
        assert!(MatRef::new(&[1, 2, 3], 2, 1, 2).is_ok());
    }
}
