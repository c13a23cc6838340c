//! Tabular files: reading and writing registries as Excel workbooks (.xlsx) and CSV.
//!
//! This is the file layer of `gaodi import KIND FILE`, the upload page and the exports. It turns
//! bytes into a [`Table`] of trimmed strings (and back) and knows nothing about what the columns
//! mean: the importers map headers to fields and validate values, all or nothing.
//!
//! Rules, each with its own test below:
//! - CSV is decoded as UTF-8 (with or without BOM) and, failing that, as GB18030 (which covers
//!   GBK, what Excel on Chinese Windows writes for "CSV (comma delimited)").
//! - XLSX: the first visible worksheet is read; cell values become the text a clerk sees, without
//!   float artefacts; numbers of 16 digits or more are refused (Excel has already dropped digits of
//!   a 统一社会信用代码 or ID number stored as a number), as are error cells (`#DIV/0!`, …).
//! - The header is the first non-empty row. Headers must be unique; a column whose header cell is
//!   empty must be empty too (such spacer columns are dropped); empty rows are skipped. Every
//!   [`TableRow`] has exactly one cell per header, and its `line` is the row number Excel shows.
//! - Every value is trimmed of surrounding whitespace, full-width space (U+3000) and NBSP included.
//! - Written CSV is UTF-8 with BOM and CRLF; written XLSX stores every cell as text ("@").
//!
//! Message templates of [`TabularError::code`], with the names of [`TabularError::args`] as
//! placeholders (copied into `locales/en.toml` and `locales/zh-CN.toml`):
//!
//! | code | en | zh |
//! |---|---|---|
//! | import.unknown_format | Unknown file format "{value}": accepted formats are .xlsx (Excel workbook) and .csv (UTF-8 or GB18030/GBK). Save .xls workbooks as .xlsx first. | 无法识别的文件格式“{value}”：仅支持 .xlsx（Excel 工作簿）和 .csv（UTF-8 或 GB18030/GBK 编码）。.xls 工作簿请先另存为 .xlsx。 |
//! | import.wrong_format | The file's content is {found}, not {expected} as its name says. Save it again as .xlsx or .csv and upload that file. | 文件内容是 {found} 格式，与文件扩展名 {expected} 不符。请重新另存为 .xlsx 或 .csv 后再上传。 |
//! | import.too_large | The file is {size}, over the limit of {limit}. Split it into several files. | 文件大小为 {size}，超过了 {limit} 的上限，请拆分为多个文件。 |
//! | import.too_many_rows | The table has more than {limit} data rows. Split it into several files. | 表格数据超过 {limit} 行，请拆分为多个文件。 |
//! | import.bad_encoding | The CSV file is neither UTF-8 nor GB18030/GBK text: unreadable bytes at line {line} (byte {offset}). In Excel, save it as "CSV UTF-8" or as .xlsx. | CSV 文件既不是 UTF-8 也不是 GB18030/GBK 编码：第 {line} 行（第 {offset} 字节）有无法识别的字节。请在 Excel 中另存为“CSV UTF-8”或 .xlsx 格式。 |
//! | import.unreadable | The file could not be read as {format}: {detail} | 无法按 {format} 格式读取该文件：{detail} |
//! | import.no_sheet | The workbook has no worksheet. Put the table on the first worksheet. | 工作簿中没有工作表，请将表格放在第一个工作表中。 |
//! | import.empty_file | The file holds no table: its first non-empty row must hold the column headers. | 文件中没有表格：第一个非空行应为列标题。 |
//! | import.empty_header | Column {column} has data (first in cell {data_cell}) but its header cell {cell} is empty. Give every column with data a header. | 第 {column} 列有数据（首个在 {data_cell} 单元格），但其标题单元格 {cell} 为空。有数据的列都必须有列标题。 |
//! | import.duplicate_header | Row {line} repeats column headers: {value}. Each header may appear only once. | 第 {line} 行的列标题有重复：{value}。每个列标题只能出现一次。 |
//! | import.too_many_fields | Row {line} has a value in cell {cell}, beyond the {count} header columns. Remove it or give its column a header. | 第 {line} 行的 {cell} 单元格有数据，超出了 {count} 个标题列的范围。请删除该数据或为该列补上标题。 |
//! | import.cell_error | Cell {cell} holds the Excel error {value}. Correct the formula or enter a plain value. | {cell} 单元格为 Excel 错误值 {value}，请修正公式或改为普通数值。 |
//! | import.number_as_text | Cell {cell} (column "{header}") holds the number {value}: Excel keeps only 15 digits of a number, so digits may be lost. Format the column as Text, enter the values again and save. | {cell} 单元格（“{header}”列）是数字 {value}：Excel 数字只保留 15 位有效数字，后几位可能已丢失。请将该列设为“文本”格式，重新录入后保存。 |
//! | export.too_many_rows | The export has {count} rows, more than the {limit} a file may hold. Narrow the selection. | 导出数据共 {count} 行，超过了单个文件 {limit} 行的上限，请缩小导出范围。 |
//! | export.cell_too_long | Cell {cell} holds more than {limit} characters, the most an Excel cell can hold. Export as CSV instead. | {cell} 单元格超过 {limit} 个字符（Excel 单元格的上限），请改为导出 CSV。 |
//! | export.failed | The file could not be written: {detail} | 无法生成文件：{detail} |
//!
//! The xlsx limit on packed size ([`MAX_FILE_BYTES`]) does not bound the unpacked size: calamine
//! has no such cap, so a crafted workbook can still use much memory while it is read.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io::Cursor;
use std::path::Path;

use calamine::{DataRef, Reader, ReaderRef, SheetType, SheetVisible, Xlsx};

/// Largest file accepted for reading, in bytes (50 MiB).
pub const MAX_FILE_BYTES: usize = 50 * 1024 * 1024;
/// Most data rows (header not counted) a table may have, read or written.
pub const MAX_ROWS: usize = 1_000_000;
/// Most characters an Excel cell holds.
pub const MAX_XLSX_CELL_CHARS: usize = 32_767;
/// Widest column written to a workbook, in Excel character units.
const MAX_COLUMN_WIDTH: usize = 60;
/// Excel shows 15 significant digits; a stored number with more is a float artefact.
const EXCEL_DIGITS: usize = 15;
/// From this magnitude on, Excel cannot hold every digit of an integer (15 significant digits).
const BIG_NUMBER: f64 = 1e15;

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// Compound File header: `.xls` workbooks and password-protected `.xlsx` ones.
const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// A file format for tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// Parses a format name, `csv` or `xlsx` (case-insensitive, a leading dot allowed).
    pub fn parse(name: &str) -> Result<Format, TabularError> {
        let trimmed = name.trim();
        let bare = trimmed.strip_prefix('.').unwrap_or(trimmed);
        if bare.eq_ignore_ascii_case("csv") {
            Ok(Format::Csv)
        } else if bare.eq_ignore_ascii_case("xlsx") {
            Ok(Format::Xlsx)
        } else {
            Err(TabularError::UnknownFormat { value: name.to_owned() })
        }
    }

    /// The format named by a file's extension (`.csv` or `.xlsx`, case-insensitive).
    pub fn from_path(path: &Path) -> Result<Format, TabularError> {
        match path.extension() {
            Some(ext) => Format::parse(&ext.to_string_lossy()),
            None => Err(TabularError::UnknownFormat { value: path.to_string_lossy().into_owned() }),
        }
    }

    /// The file extension, without dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    /// The media type for downloads.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

/// A table read from a file: trimmed, unique, non-empty headers and the non-empty rows under them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// The worksheet's name, or `"csv"` for a CSV file.
    pub sheet: String,
    pub headers: Vec<String>,
    pub rows: Vec<TableRow>,
}

impl Table {
    /// The position of the column with this header.
    pub fn column_index(&self, header: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == header)
    }
}

/// One data row: exactly one cell per header, each trimmed (possibly empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableRow {
    /// The 1-based row number as Excel shows it (the header row of a plain file is line 1).
    pub line: usize,
    pub cells: Vec<String>,
}

/// Why a file could not be read or written. Cells are named as Excel names them ("C5").
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TabularError {
    /// The extension or format name is not `csv` or `xlsx`.
    UnknownFormat { value: String },
    /// The content does not match the format, e.g. a workbook named `.csv` or an `.xls`.
    WrongFormat { expected: Format, found: &'static str },
    /// The file is larger than [`MAX_FILE_BYTES`].
    TooLarge { size: usize },
    /// The table has more than [`MAX_ROWS`] data rows.
    TooManyRows,
    /// A CSV file that is neither UTF-8 nor GB18030; `offset` is 0-based, `line` 1-based.
    BadEncoding { offset: usize, line: usize },
    /// The reader failed (a damaged workbook, a broken CSV).
    Unreadable { format: Format, detail: String },
    /// The workbook has no worksheet.
    NoSheet,
    /// No non-empty row, so no header row.
    EmptyFile,
    /// A column has data but no header.
    EmptyHeader { sheet: String, cell: String, data_cell: String },
    /// Headers that occur more than once, each with its cells.
    DuplicateHeader { sheet: String, line: usize, duplicates: Vec<(String, Vec<String>)> },
    /// A CSV row with a value after the last header column.
    TooManyFields { sheet: String, line: usize, cell: String, headers: usize },
    /// An Excel error value (`#DIV/0!`, `#N/A`, …).
    CellError { sheet: String, cell: String, value: String },
    /// A number too long for Excel to keep every digit: the column must be text.
    NumberAsText { sheet: String, cell: String, header: String, value: String },
    /// Writing more than [`MAX_ROWS`] rows.
    ExportTooManyRows { count: usize },
    /// Writing a cell longer than [`MAX_XLSX_CELL_CHARS`] to a workbook.
    CellTooLong { sheet: String, cell: String },
    /// The writer failed.
    ExportFailed { detail: String },
}

impl TabularError {
    /// The i18n key of the message.
    pub fn code(&self) -> &'static str {
        match self {
            TabularError::UnknownFormat { .. } => "import.unknown_format",
            TabularError::WrongFormat { .. } => "import.wrong_format",
            TabularError::TooLarge { .. } => "import.too_large",
            TabularError::TooManyRows => "import.too_many_rows",
            TabularError::BadEncoding { .. } => "import.bad_encoding",
            TabularError::Unreadable { .. } => "import.unreadable",
            TabularError::NoSheet => "import.no_sheet",
            TabularError::EmptyFile => "import.empty_file",
            TabularError::EmptyHeader { .. } => "import.empty_header",
            TabularError::DuplicateHeader { .. } => "import.duplicate_header",
            TabularError::TooManyFields { .. } => "import.too_many_fields",
            TabularError::CellError { .. } => "import.cell_error",
            TabularError::NumberAsText { .. } => "import.number_as_text",
            TabularError::ExportTooManyRows { .. } => "export.too_many_rows",
            TabularError::CellTooLong { .. } => "export.cell_too_long",
            TabularError::ExportFailed { .. } => "export.failed",
        }
    }

    /// The named arguments of the message template, e.g. `[("sheet", "Sheet1"), ("cell", "C5")]`.
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            TabularError::UnknownFormat { value } => vec![("value", value.clone())],
            TabularError::WrongFormat { expected, found } => {
                vec![("expected", format!(".{expected}")), ("found", format!(".{found}"))]
            }
            TabularError::TooLarge { size } => {
                vec![("size", mebibytes(*size)), ("limit", mebibytes(MAX_FILE_BYTES))]
            }
            TabularError::TooManyRows => vec![("limit", MAX_ROWS.to_string())],
            TabularError::BadEncoding { offset, line } => {
                vec![("offset", offset.to_string()), ("line", line.to_string())]
            }
            TabularError::Unreadable { format, detail } => {
                vec![("format", format!(".{format}")), ("detail", detail.clone())]
            }
            TabularError::NoSheet | TabularError::EmptyFile => Vec::new(),
            TabularError::EmptyHeader { sheet, cell, data_cell } => vec![
                ("sheet", sheet.clone()),
                ("column", cell.trim_end_matches(|c: char| c.is_ascii_digit()).to_owned()),
                ("cell", cell.clone()),
                ("data_cell", data_cell.clone()),
            ],
            TabularError::DuplicateHeader { sheet, line, duplicates } => {
                vec![("sheet", sheet.clone()), ("line", line.to_string()), ("value", duplicates_text(duplicates))]
            }
            TabularError::TooManyFields { sheet, line, cell, headers } => vec![
                ("sheet", sheet.clone()),
                ("line", line.to_string()),
                ("cell", cell.clone()),
                ("count", headers.to_string()),
            ],
            TabularError::CellError { sheet, cell, value } => {
                vec![("sheet", sheet.clone()), ("cell", cell.clone()), ("value", value.clone())]
            }
            TabularError::NumberAsText { sheet, cell, header, value } => vec![
                ("sheet", sheet.clone()),
                ("cell", cell.clone()),
                ("header", header.clone()),
                ("value", value.clone()),
            ],
            TabularError::ExportTooManyRows { count } => {
                vec![("count", count.to_string()), ("limit", MAX_ROWS.to_string())]
            }
            TabularError::CellTooLong { sheet, cell } => {
                vec![("sheet", sheet.clone()), ("cell", cell.clone()), ("limit", MAX_XLSX_CELL_CHARS.to_string())]
            }
            TabularError::ExportFailed { detail } => vec![("detail", detail.clone())],
        }
    }
}

impl fmt::Display for TabularError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TabularError::UnknownFormat { value } => write!(
                f,
                "unknown file format {value:?}: accepted formats are .xlsx (Excel workbook) and .csv \
                 (UTF-8 or GB18030/GBK); save .xls workbooks as .xlsx first"
            ),
            TabularError::WrongFormat { expected, found } => write!(
                f,
                "the file's content is .{found}, not .{expected} as its name says; \
                 save it again as .xlsx or .csv"
            ),
            TabularError::TooLarge { size } => write!(
                f,
                "the file is {}, over the limit of {}; split it into several files",
                mebibytes(*size),
                mebibytes(MAX_FILE_BYTES)
            ),
            TabularError::TooManyRows => {
                write!(f, "the table has more than {MAX_ROWS} data rows; split it into several files")
            }
            TabularError::BadEncoding { offset, line } => write!(
                f,
                "the CSV file is neither UTF-8 nor GB18030/GBK text: unreadable bytes at line {line} \
                 (byte {offset}); in Excel, save it as \"CSV UTF-8\" or as .xlsx"
            ),
            TabularError::Unreadable { format, detail } => {
                write!(f, "the file could not be read as .{format}: {detail}")
            }
            TabularError::NoSheet => f.write_str("the workbook has no worksheet; put the table on the first worksheet"),
            TabularError::EmptyFile => {
                f.write_str("the file holds no table: its first non-empty row must hold the column headers")
            }
            TabularError::EmptyHeader { sheet, cell, data_cell } => write!(
                f,
                "sheet {sheet:?}: cell {data_cell} has data but its header cell {cell} is empty; \
                 give every column with data a header"
            ),
            TabularError::DuplicateHeader { sheet, line, duplicates } => write!(
                f,
                "sheet {sheet:?}: row {line} repeats column headers: {}; each header may appear only once",
                duplicates_text(duplicates)
            ),
            TabularError::TooManyFields { sheet, line, cell, headers } => write!(
                f,
                "sheet {sheet:?}: row {line} has a value in cell {cell}, beyond the {headers} header columns; \
                 remove it or give its column a header"
            ),
            TabularError::CellError { sheet, cell, value } => write!(
                f,
                "sheet {sheet:?}: cell {cell} holds the Excel error {value}; correct the formula or enter a plain value"
            ),
            TabularError::NumberAsText { sheet, cell, header, value } => write!(
                f,
                "sheet {sheet:?}: cell {cell} (column {header:?}) holds the number {value}: Excel keeps only \
                 {EXCEL_DIGITS} digits of a number, so digits may be lost; format the column as Text, \
                 enter the values again and save"
            ),
            TabularError::ExportTooManyRows { count } => {
                write!(f, "the export has {count} rows, more than the {MAX_ROWS} a file may hold; narrow the selection")
            }
            TabularError::CellTooLong { sheet, cell } => write!(
                f,
                "sheet {sheet:?}: cell {cell} holds more than {MAX_XLSX_CELL_CHARS} characters, the most an \
                 Excel cell can hold; export as CSV instead"
            ),
            TabularError::ExportFailed { detail } => write!(f, "the file could not be written: {detail}"),
        }
    }
}

impl std::error::Error for TabularError {}

fn mebibytes(bytes: usize) -> String {
    let mib = bytes as f64 / (1024.0 * 1024.0);
    if mib.fract() == 0.0 {
        format!("{mib} MiB")
    } else {
        format!("{mib:.1} MiB")
    }
}

/// `名称 (B1, E1); 代码 (C1, F1)`: data, so no words to translate.
fn duplicates_text(duplicates: &[(String, Vec<String>)]) -> String {
    let parts: Vec<String> = duplicates.iter().map(|(name, cells)| format!("{name} ({})", cells.join(", "))).collect();
    parts.join("; ")
}

/// Excel's name of a 0-based column: 0 → "A", 25 → "Z", 26 → "AA".
pub fn column_letters(index: usize) -> String {
    let mut letters = Vec::new();
    let mut n = index + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + u8::try_from(rem).unwrap_or(0)));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

fn cell_name(column: usize, line: usize) -> String {
    format!("{}{line}", column_letters(column))
}

/// Surrounding whitespace as clerks produce it: Unicode spaces (U+3000, NBSP, …), BOM and
/// zero-width space, which Rust's `trim` does not remove.
fn trim_cell(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}' || c == '\u{200B}')
}

/// Reads the table in `bytes`: the whole CSV file, or the first visible worksheet of a workbook.
///
/// Fails on files over [`MAX_FILE_BYTES`], tables over [`MAX_ROWS`] rows, undecodable text, error
/// cells, long numbers, and missing, empty or duplicate headers (see [`TabularError`]).
pub fn read_table(bytes: &[u8], format: Format) -> Result<Table, TabularError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(TabularError::TooLarge { size: bytes.len() });
    }
    let found = if bytes.starts_with(ZIP_MAGIC) {
        Some("xlsx")
    } else if bytes.starts_with(OLE_MAGIC) {
        Some("xls")
    } else {
        None
    };
    match (format, found) {
        (Format::Csv, None) | (Format::Xlsx, Some("xlsx")) => {}
        (_, Some(found)) => return Err(TabularError::WrongFormat { expected: format, found }),
        (Format::Xlsx, None) if decode_text(bytes).is_ok() => {
            return Err(TabularError::WrongFormat { expected: format, found: "csv" });
        }
        (Format::Xlsx, None) => {
            let detail = "this is not an Excel workbook (.xlsx)".to_owned();
            return Err(TabularError::Unreadable { format, detail });
        }
    }
    match format {
        Format::Csv => read_csv(bytes),
        Format::Xlsx => read_xlsx(bytes),
    }
}

/// UTF-8 if the bytes are UTF-8, else GB18030 (a superset of GBK and GB2312).
fn decode_text(bytes: &[u8]) -> Result<Cow<'_, str>, TabularError> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Cow::Borrowed(text));
    }
    let mut decoder = encoding_rs::GB18030.new_decoder_without_bom_handling();
    let capacity = decoder.max_utf8_buffer_length_without_replacement(bytes.len()).unwrap_or(bytes.len() * 3);
    let mut text = String::with_capacity(capacity);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut text, true);
    let offset = match result {
        encoding_rs::DecoderResult::InputEmpty => return Ok(Cow::Owned(text)),
        encoding_rs::DecoderResult::Malformed(bad, after) => read - usize::from(bad) - usize::from(after),
        // Cannot happen: the buffer was sized for the worst case.
        encoding_rs::DecoderResult::OutputFull => read,
    };
    let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
    Err(TabularError::BadEncoding { offset, line })
}

fn read_csv(bytes: &[u8]) -> Result<Table, TabularError> {
    let text = decode_text(bytes)?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut builder = TableBuilder::new("csv".to_owned());
    let mut record = csv::StringRecord::new();
    // Excel numbers records, blank lines included, so a record's row is one more than the line
    // breaks before it that are not inside quoted values. (The csv crate's own line number is
    // off by one after CRLF: a record's position is that of the preceding '\n'.)
    let bytes = text.as_bytes();
    let (mut scanned, mut breaks, mut breaks_in_values) = (0usize, 0usize, 0usize);
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(TabularError::Unreadable { format: Format::Csv, detail: e.to_string() }),
        }
        let position = record.position().map_or(0, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX));
        // A record never starts with a line break (a quoted one starts with '"'), so skip them.
        let rest = bytes.get(position..).unwrap_or_default();
        let start = rest.iter().position(|&b| b != b'\r' && b != b'\n').map_or(bytes.len(), |n| position + n);
        breaks += bytes[scanned.min(start)..start].iter().filter(|&&b| b == b'\n').count();
        scanned = scanned.max(start);
        let line = breaks + 1 - breaks_in_values;
        breaks_in_values += record.iter().map(|field| field.bytes().filter(|&b| b == b'\n').count()).sum::<usize>();
        let cells = record.iter().map(|field| trim_cell(field).to_owned()).collect();
        builder.push(line, cells)?;
    }
    builder.finish()
}

fn read_xlsx(bytes: &[u8]) -> Result<Table, TabularError> {
    let unreadable = |e: calamine::XlsxError| TabularError::Unreadable { format: Format::Xlsx, detail: e.to_string() };
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let sheets = workbook.sheets_metadata();
    let worksheets = || sheets.iter().filter(|s| s.typ == SheetType::WorkSheet);
    // The first sheet a clerk sees when opening the workbook.
    let sheet = worksheets()
        .find(|s| s.visible == SheetVisible::Visible)
        .or_else(|| worksheets().next())
        .ok_or(TabularError::NoSheet)?
        .name
        .clone();
    // The borrowing reader: shared strings are copied once, trimmed, instead of twice.
    let range = workbook.worksheet_range_ref(&sheet).map_err(unreadable)?;
    let Some((first_row, first_col)) = range.start() else {
        return Err(TabularError::EmptyFile);
    };
    let (first_row, first_col) = (first_row as usize, first_col as usize);
    let mut builder = TableBuilder::new(sheet);
    builder.first_column = first_col;
    for (i, row) in range.rows().enumerate() {
        let line = first_row + i + 1;
        let mut cells = Vec::with_capacity(row.len());
        for (j, data) in row.iter().enumerate() {
            let text = cell_text(data).map_err(|problem| {
                let sheet = builder.sheet.clone();
                let cell = cell_name(first_col + j, line);
                match problem {
                    CellProblem::Error(value) => TabularError::CellError { sheet, cell, value },
                    CellProblem::BigNumber(value) => {
                        let header = builder.header(j).unwrap_or_default().to_owned();
                        TabularError::NumberAsText { sheet, cell, header, value }
                    }
                }
            })?;
            cells.push(text);
        }
        builder.push(line, cells)?;
    }
    builder.finish()
}

enum CellProblem {
    Error(String),
    BigNumber(String),
}

/// The text of a cell as a clerk reads it in Excel (dates in ISO form).
fn cell_text(data: &DataRef<'_>) -> Result<String, CellProblem> {
    Ok(match data {
        DataRef::Empty => String::new(),
        DataRef::String(s) | DataRef::DurationIso(s) => trim_cell(s).to_owned(),
        DataRef::SharedString(s) => trim_cell(s).to_owned(),
        DataRef::Int(i) => {
            if i.unsigned_abs() >= 1_000_000_000_000_000 {
                return Err(CellProblem::BigNumber(i.to_string()));
            }
            i.to_string()
        }
        DataRef::Float(x) => number_text(*x)?,
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(dt) if dt.is_duration() => duration_text(dt.as_f64()),
        DataRef::DateTime(dt) => {
            let (year, month, day, hour, minute, second, _milli) = dt.to_ymd_hms_milli();
            let time = format!("{hour:02}:{minute:02}:{second:02}");
            if dt.as_f64() < 1.0 {
                // A time of day without a date (Excel's day 0 is no real date).
                time
            } else if (hour, minute, second) == (0, 0, 0) {
                format!("{year:04}-{month:02}-{day:02}")
            } else {
                format!("{year:04}-{month:02}-{day:02} {time}")
            }
        }
        DataRef::DateTimeIso(s) => iso_datetime_text(trim_cell(s)),
        DataRef::Error(e) => return Err(CellProblem::Error(e.to_string())),
    })
}

/// A number as Excel shows it in a General cell: integers without `.0`, at most 15 significant
/// digits (so a stored 0.30000000000000004 reads 0.3), never in exponent form.
fn number_text(x: f64) -> Result<String, CellProblem> {
    if x.abs() >= BIG_NUMBER || !x.is_finite() {
        return Err(CellProblem::BigNumber(format!("{x:E}")));
    }
    if x.fract() == 0.0 {
        // |x| < 1e15 and integral: the cast is exact.
        return Ok((x as i64).to_string());
    }
    let shortest = x.to_string();
    let digits = shortest.trim_start_matches(['-', '0', '.']).bytes().filter(u8::is_ascii_digit).count();
    if digits <= EXCEL_DIGITS {
        return Ok(shortest);
    }
    let rounded: f64 = format!("{x:.prec$e}", prec = EXCEL_DIGITS - 1).parse().unwrap_or(x);
    if rounded.fract() == 0.0 {
        return Ok((rounded as i64).to_string());
    }
    Ok(rounded.to_string())
}

/// `[h]:mm:ss`, hours past 24 kept.
fn duration_text(days: f64) -> String {
    let seconds = (days * 86_400.0).round() as i64;
    let sign = if seconds < 0 { "-" } else { "" };
    let seconds = seconds.unsigned_abs();
    format!("{sign}{}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60)
}

/// `2024-03-01T00:00:00` → `2024-03-01`, `2024-03-01T08:30:00.000Z` → `2024-03-01 08:30:00`.
fn iso_datetime_text(s: &str) -> String {
    let Some((date, time)) = s.split_once('T') else {
        return s.to_owned();
    };
    let time = time.get(..8).unwrap_or(time);
    if time == "00:00:00" {
        date.to_owned()
    } else {
        format!("{date} {time}")
    }
}

/// Shared by both readers: finds the header row, checks headers and rows, drops spacer columns.
struct TableBuilder {
    sheet: String,
    /// The worksheet column of the first cell (0 for CSV), for naming cells.
    first_column: usize,
    /// The header row as read (trimmed, empty cells kept), once seen.
    header_row: Option<(usize, Vec<String>)>,
    rows: Vec<TableRow>,
}

impl TableBuilder {
    fn new(sheet: String) -> Self {
        TableBuilder { sheet, first_column: 0, header_row: None, rows: Vec::new() }
    }

    fn header(&self, index: usize) -> Option<&str> {
        self.header_row.as_ref().and_then(|(_, headers)| headers.get(index)).map(String::as_str)
    }

    /// Adds a row of trimmed cells found at `line`.
    fn push(&mut self, line: usize, mut cells: Vec<String>) -> Result<(), TabularError> {
        if cells.iter().all(String::is_empty) {
            return Ok(());
        }
        let Some((_, headers)) = &self.header_row else {
            self.header_row = Some((line, cells));
            return self.check_header_row();
        };
        let width = headers.len();
        if let Some(extra) = cells.iter().skip(width).position(|c| !c.is_empty()) {
            let cell = cell_name(self.first_column + width + extra, line);
            return Err(TabularError::TooManyFields { sheet: self.sheet.clone(), line, cell, headers: width });
        }
        if self.rows.len() == MAX_ROWS {
            return Err(TabularError::TooManyRows);
        }
        cells.resize(width, String::new());
        self.rows.push(TableRow { line, cells });
        Ok(())
    }

    fn check_header_row(&mut self) -> Result<(), TabularError> {
        let Some((line, headers)) = &mut self.header_row else {
            return Ok(());
        };
        // Trailing empty cells are no columns (a CSV line ending in commas).
        while headers.last().is_some_and(String::is_empty) {
            headers.pop();
        }
        let mut seen: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut order = Vec::new();
        for (i, header) in headers.iter().enumerate().filter(|(_, h)| !h.is_empty()) {
            let columns = seen.entry(header).or_default();
            if columns.len() == 1 {
                order.push(header.as_str());
            }
            columns.push(i);
        }
        if order.is_empty() {
            return Ok(());
        }
        let duplicates = order
            .iter()
            .map(|&name| {
                let cells = seen[name].iter().map(|&i| cell_name(self.first_column + i, *line)).collect();
                (name.to_owned(), cells)
            })
            .collect();
        Err(TabularError::DuplicateHeader { sheet: self.sheet.clone(), line: *line, duplicates })
    }

    /// The table, once every row is in: columns with an empty header must be empty and are dropped.
    fn finish(self) -> Result<Table, TabularError> {
        let Some((header_line, headers)) = self.header_row else {
            return Err(TabularError::EmptyFile);
        };
        let mut rows = self.rows;
        let spacers: Vec<usize> = (0..headers.len()).filter(|&i| headers[i].is_empty()).collect();
        for &column in &spacers {
            if let Some(row) = rows.iter().find(|row| !row.cells[column].is_empty()) {
                return Err(TabularError::EmptyHeader {
                    sheet: self.sheet,
                    cell: cell_name(self.first_column + column, header_line),
                    data_cell: cell_name(self.first_column + column, row.line),
                });
            }
        }
        let headers = if spacers.is_empty() {
            headers
        } else {
            let drop_spacers = |cells: Vec<String>| {
                cells.into_iter().enumerate().filter(|(i, _)| !spacers.contains(i)).map(|(_, c)| c)
            };
            for row in &mut rows {
                row.cells = drop_spacers(std::mem::take(&mut row.cells)).collect();
            }
            drop_spacers(headers).collect()
        };
        Ok(Table { sheet: self.sheet, headers, rows })
    }
}

/// Writes a table: CSV as UTF-8 with BOM and CRLF (what Excel on Chinese Windows opens
/// correctly), XLSX with a bold, frozen, filterable header row and every cell stored as text.
///
/// `sheet` names the worksheet (characters Excel refuses are replaced, and it is cut to 31
/// characters); CSV ignores it. Fails on more than [`MAX_ROWS`] rows and, for XLSX, on cells over
/// [`MAX_XLSX_CELL_CHARS`] characters.
pub fn write_table(
    headers: &[String],
    rows: &[Vec<String>],
    sheet: &str,
    format: Format,
) -> Result<Vec<u8>, TabularError> {
    if rows.len() > MAX_ROWS {
        return Err(TabularError::ExportTooManyRows { count: rows.len() });
    }
    match format {
        Format::Csv => write_csv(headers, rows),
        Format::Xlsx => write_xlsx(headers, rows, &sheet_name(sheet)),
    }
}

fn write_csv(headers: &[String], rows: &[Vec<String>]) -> Result<Vec<u8>, TabularError> {
    let failed = |detail: String| TabularError::ExportFailed { detail };
    let mut out = b"\xEF\xBB\xBF".to_vec();
    out.reserve(rows.len() * headers.len() * 16);
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).flexible(true).from_writer(out);
    writer.write_record(headers).map_err(|e| failed(e.to_string()))?;
    for row in rows {
        writer.write_record(row).map_err(|e| failed(e.to_string()))?;
    }
    writer.into_inner().map_err(|e| failed(e.to_string()))
}

/// A worksheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, no quote at the ends.
fn sheet_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') || c.is_control() { '_' } else { c })
        .take(31)
        .collect();
    let cleaned = cleaned.trim_matches('\'').trim();
    if cleaned.is_empty() {
        "Sheet1".to_owned()
    } else {
        cleaned.to_owned()
    }
}

fn write_xlsx(headers: &[String], rows: &[Vec<String>], sheet: &str) -> Result<Vec<u8>, TabularError> {
    use rust_xlsxwriter::{Workbook, XlsxError};

    let failed = |e: XlsxError| TabularError::ExportFailed { detail: e.to_string() };
    let text = rust_xlsxwriter::Format::new().set_num_format("@");
    let header_format = rust_xlsxwriter::Format::new().set_bold().set_num_format("@");

    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(sheet).map_err(failed)?;

    let width = rows.iter().map(Vec::len).chain([headers.len()]).max().unwrap_or(0);
    let mut widths = vec![0usize; width];
    for (column, w) in widths.iter_mut().enumerate() {
        // Room for the bold face and the filter button.
        let header = headers.get(column).map_or(0, |h| display_width(h) + 3);
        *w = rows.iter().filter_map(|row| row.get(column)).map(|c| display_width(c)).max().unwrap_or(0).max(header);
    }

    let mut write = |row: usize, column: usize, value: &str, format: &rust_xlsxwriter::Format| {
        let (r, c) = (u32::try_from(row), u16::try_from(column));
        let (Ok(r), Ok(c)) = (r, c) else {
            return Err(failed(XlsxError::RowColumnLimitError));
        };
        match worksheet.write_string_with_format(r, c, value, format) {
            Ok(_) => Ok(()),
            Err(XlsxError::MaxStringLengthExceeded) => {
                Err(TabularError::CellTooLong { sheet: sheet.to_owned(), cell: cell_name(column, row + 1) })
            }
            Err(e) => Err(failed(e)),
        }
    };
    for (column, header) in headers.iter().enumerate() {
        write(0, column, header, &header_format)?;
    }
    for (i, row) in rows.iter().enumerate() {
        for (column, value) in row.iter().enumerate() {
            write(i + 1, column, value, &text)?;
        }
    }

    for (column, w) in widths.iter().enumerate() {
        let c = u16::try_from(column).map_err(|_| failed(XlsxError::RowColumnLimitError))?;
        // New values typed into an exported template stay text too (codes keep leading zeros).
        worksheet.set_column_format(c, &text).map_err(failed)?;
        let chars = (w + 1).clamp(8, MAX_COLUMN_WIDTH) as f64;
        worksheet.set_column_width(c, chars).map_err(failed)?;
    }
    if width > 0 {
        worksheet.set_freeze_panes(1, 0).map_err(failed)?;
        let last_row = u32::try_from(rows.len()).map_err(|_| failed(XlsxError::RowColumnLimitError))?;
        let last_col = u16::try_from(width - 1).map_err(|_| failed(XlsxError::RowColumnLimitError))?;
        worksheet.autofilter(0, 0, last_row, last_col).map_err(failed)?;
    }
    workbook.save_to_buffer().map_err(failed)
}

/// Width in Excel character units of the longest line: CJK and full-width characters count two.
fn display_width(s: &str) -> usize {
    s.lines().map(|line| line.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()).max().unwrap_or(0)
}

fn is_wide(c: char) -> bool {
    matches!(c,
        '\u{1100}'..='\u{115F}'     // Hangul Jamo
        | '\u{2E80}'..='\u{A4CF}'   // CJK radicals, punctuation, kana, CJK ideographs, Yi
        | '\u{AC00}'..='\u{D7A3}'   // Hangul syllables
        | '\u{F900}'..='\u{FAFF}'   // CJK compatibility ideographs
        | '\u{FE30}'..='\u{FE4F}'   // CJK compatibility forms
        | '\u{FF00}'..='\u{FF60}'   // full-width forms
        | '\u{FFE0}'..='\u{FFE6}'
        | '\u{20000}'..='\u{3FFFD}' // CJK extensions B and later
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    fn cells(table: &Table) -> Vec<Vec<&str>> {
        table.rows.iter().map(|r| r.cells.iter().map(String::as_str).collect()).collect()
    }

    fn lines(table: &Table) -> Vec<usize> {
        table.rows.iter().map(|r| r.line).collect()
    }

    /// A workbook written with rust_xlsxwriter by `fill`, read back.
    fn xlsx(fill: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet.set_name("登记表").unwrap();
        fill(sheet);
        workbook.save_to_buffer().unwrap()
    }

    // ---- formats ----

    #[test]
    fn format_from_path_is_case_insensitive() {
        assert_eq!(Format::from_path(Path::new("/tmp/机构.CSV")).unwrap(), Format::Csv);
        assert_eq!(Format::from_path(Path::new("a.b.Xlsx")).unwrap(), Format::Xlsx);
        assert_eq!(Format::parse(" .xlsx").unwrap(), Format::Xlsx);
    }

    #[test]
    fn unknown_format_names_the_value() {
        let e = Format::from_path(Path::new("old.xls")).unwrap_err();
        assert_eq!(e.code(), "import.unknown_format");
        assert_eq!(e.args(), vec![("value", "xls".to_owned())]);
        assert!(e.to_string().contains(".xlsx"));
        assert_eq!(Format::from_path(Path::new("noext")).unwrap_err().code(), "import.unknown_format");
        assert!(Format::parse("xml").is_err());
    }

    #[test]
    fn content_that_does_not_match_the_format_is_refused() {
        let workbook = write_table(&strings(&["a"]), &[], "s", Format::Xlsx).unwrap();
        let e = read_table(&workbook, Format::Csv).unwrap_err();
        assert_eq!(e, TabularError::WrongFormat { expected: Format::Csv, found: "xlsx" });
        assert_eq!(read_table(OLE_MAGIC, Format::Xlsx).unwrap_err().code(), "import.wrong_format");
        assert_eq!(read_table(b"a,b\r\n", Format::Xlsx).unwrap_err().code(), "import.wrong_format");
    }

    // ---- CSV ----

    #[test]
    fn csv_utf8_with_bom() {
        let table = read_table("\u{FEFF}名称,代码\r\n高新公司,001\r\n".as_bytes(), Format::Csv).unwrap();
        assert_eq!(table.sheet, "csv");
        assert_eq!(table.headers, strings(&["名称", "代码"]));
        assert_eq!(cells(&table), vec![vec!["高新公司", "001"]]);
        assert_eq!(lines(&table), vec![2]);
    }

    #[test]
    fn csv_utf8_without_bom() {
        let table = read_table("名称,代码\n高新公司,001\n".as_bytes(), Format::Csv).unwrap();
        assert_eq!(table.headers, strings(&["名称", "代码"]));
        assert_eq!(cells(&table), vec![vec!["高新公司", "001"]]);
    }

    #[test]
    fn csv_gb18030_as_excel_saves_it() {
        let text = "统一社会信用代码,单位名称,备注\r\n91430200MA4L000001,\"株洲高新，有限公司\",𠀀\r\n";
        let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
        assert!(!unmappable);
        assert!(std::str::from_utf8(&bytes).is_err());
        let table = read_table(&bytes, Format::Csv).unwrap();
        assert_eq!(table.headers, strings(&["统一社会信用代码", "单位名称", "备注"]));
        assert_eq!(cells(&table), vec![vec!["91430200MA4L000001", "株洲高新，有限公司", "𠀀"]]);
    }

    #[test]
    fn csv_bad_encoding_names_offset_and_line() {
        let mut bytes = "名称\n".as_bytes().to_vec(); // UTF-8 …
        bytes.extend_from_slice(b"ok\n\xFF\n"); // … then a byte neither encoding accepts
        let e = read_table(&bytes, Format::Csv).unwrap_err();
        assert_eq!(e.code(), "import.bad_encoding");
        assert_eq!(e, TabularError::BadEncoding { offset: 10, line: 3 });
        assert!(e.to_string().contains("line 3"));
    }

    #[test]
    fn csv_utf16_is_bad_encoding() {
        let bytes = [0xFF, 0xFE, b'a', 0, b'\n', 0];
        assert_eq!(read_table(&bytes, Format::Csv).unwrap_err(), TabularError::BadEncoding { offset: 0, line: 1 });
    }

    #[test]
    fn csv_short_rows_are_padded_and_trailing_commas_ignored() {
        let table = read_table(b"a,b,c,,\r\n1\r\n1,2,3,,\r\n", Format::Csv).unwrap();
        assert_eq!(table.headers, strings(&["a", "b", "c"]));
        assert_eq!(cells(&table), vec![vec!["1", "", ""], vec!["1", "2", "3"]]);
    }

    #[test]
    fn csv_value_beyond_the_headers_is_an_error() {
        let e = read_table(b"a,b\r\n1,2\r\n1,2,,x\r\n", Format::Csv).unwrap_err();
        assert_eq!(
            e,
            TabularError::TooManyFields { sheet: "csv".to_owned(), line: 3, cell: "D3".to_owned(), headers: 2 }
        );
        assert_eq!(e.code(), "import.too_many_fields");
    }

    #[test]
    fn csv_lines_count_records_like_excel() {
        // Blank lines and all-empty records are skipped but counted; a quoted line break is not a row.
        let table = read_table(b"a,b\r\n\"x\r\ny\",1\r\n\r\n,\r\nz,2\r\n", Format::Csv).unwrap();
        assert_eq!(cells(&table), vec![vec!["x\r\ny", "1"], vec!["z", "2"]]);
        assert_eq!(lines(&table), vec![2, 5]);
    }

    #[test]
    fn header_is_the_first_non_empty_row() {
        let table = read_table(b",,\r\n\r\na,b\r\n1,2\r\n", Format::Csv).unwrap();
        assert_eq!(table.headers, strings(&["a", "b"]));
        assert_eq!(lines(&table), vec![4]);
    }

    #[test]
    fn values_are_trimmed_of_unicode_spaces() {
        let text = "\u{3000}名称\u{00A0}, 代码 \r\n\u{3000}高新公司\u{3000},\t001\u{200B}\r\n";
        let table = read_table(text.as_bytes(), Format::Csv).unwrap();
        assert_eq!(table.headers, strings(&["名称", "代码"]));
        assert_eq!(cells(&table), vec![vec!["高新公司", "001"]]);
    }

    #[test]
    fn duplicate_headers_are_named() {
        let e = read_table("名称,代码,名称,代码,名称\r\n".as_bytes(), Format::Csv).unwrap_err();
        assert_eq!(e.code(), "import.duplicate_header");
        let value = e.args().into_iter().find(|(k, _)| *k == "value").unwrap().1;
        assert_eq!(value, "名称 (A1, C1, E1); 代码 (B1, D1)");
    }

    #[test]
    fn empty_header_over_data_is_an_error() {
        let e = read_table(b"a,,c\r\n1,,3\r\n4,5,6\r\n", Format::Csv).unwrap_err();
        assert_eq!(
            e,
            TabularError::EmptyHeader { sheet: "csv".to_owned(), cell: "B1".to_owned(), data_cell: "B3".to_owned() }
        );
        assert!(e.args().contains(&("column", "B".to_owned())));
    }

    #[test]
    fn empty_column_without_header_is_dropped() {
        let table = read_table(b"a,,c\r\n1,,3\r\n", Format::Csv).unwrap();
        assert_eq!(table.headers, strings(&["a", "c"]));
        assert_eq!(cells(&table), vec![vec!["1", "3"]]);
    }

    #[test]
    fn empty_file_is_an_error() {
        assert_eq!(read_table(b"", Format::Csv).unwrap_err(), TabularError::EmptyFile);
        assert_eq!(read_table(b"\xEF\xBB\xBF\r\n,,\r\n", Format::Csv).unwrap_err(), TabularError::EmptyFile);
        let workbook = xlsx(|_| {});
        assert_eq!(read_table(&workbook, Format::Xlsx).unwrap_err(), TabularError::EmptyFile);
    }

    #[test]
    fn header_only_gives_no_rows() {
        let table = read_table(b"a,b\r\n", Format::Csv).unwrap();
        assert_eq!(table.headers, strings(&["a", "b"]));
        assert!(table.rows.is_empty());
    }

    #[test]
    fn files_over_the_limit_are_refused() {
        let bytes = vec![b'a'; MAX_FILE_BYTES + 1];
        let e = read_table(&bytes, Format::Csv).unwrap_err();
        assert_eq!(e.code(), "import.too_large");
        assert_eq!(e.args()[1], ("limit", "50 MiB".to_owned()));
    }

    #[test]
    fn tables_over_the_row_limit_are_refused() {
        let mut csv = b"a\n".to_vec();
        for _ in 0..=MAX_ROWS {
            csv.extend_from_slice(b"1\n");
        }
        assert_eq!(read_table(&csv, Format::Csv).unwrap_err(), TabularError::TooManyRows);
        csv.truncate(csv.len() - 2);
        assert_eq!(read_table(&csv, Format::Csv).unwrap().rows.len(), MAX_ROWS);
    }

    // ---- XLSX ----

    #[test]
    fn xlsx_values_read_as_a_clerk_sees_them() {
        let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        let datetime = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        let time = rust_xlsxwriter::Format::new().set_num_format("hh:mm");
        let workbook = xlsx(|s| {
            for (c, h) in ["整数", "小数", "误差", "布尔", "日期", "时间", "钟点", "文本"].iter().enumerate()
            {
                s.write_string(0, u16::try_from(c).unwrap(), *h).unwrap();
            }
            s.write_number(1, 0, 12).unwrap();
            s.write_number(1, 1, 1234.56).unwrap();
            s.write_number(1, 2, 0.1 + 0.2).unwrap();
            s.write_boolean(1, 3, true).unwrap();
            s.write_number_with_format(1, 4, 45352.0, &date).unwrap(); // 2024-03-01
            s.write_number_with_format(1, 5, 45352.75, &datetime).unwrap();
            s.write_number_with_format(1, 6, 0.354_166_666_666_666_7, &time).unwrap(); // 08:30
            s.write_string(1, 7, " 0012 ").unwrap();
            s.write_number(2, 0, -3).unwrap();
            s.write_number(2, 1, 0.000_000_1).unwrap();
            s.write_number(2, 2, 999_999_999_999_999.0).unwrap();
            s.write_boolean(2, 3, false).unwrap();
        });
        let table = read_table(&workbook, Format::Xlsx).unwrap();
        assert_eq!(table.sheet, "登记表");
        assert_eq!(
            cells(&table),
            vec![
                vec!["12", "1234.56", "0.3", "true", "2024-03-01", "2024-03-01 18:00:00", "08:30:00", "0012"],
                vec!["-3", "0.0000001", "999999999999999", "false", "", "", "", ""],
            ]
        );
    }

    #[test]
    fn xlsx_empty_rows_are_skipped_and_lines_kept() {
        let workbook = xlsx(|s| {
            s.write_string(2, 1, "名称").unwrap(); // header in B3
            s.write_string(2, 2, "代码").unwrap();
            s.write_string(3, 1, "甲").unwrap();
            s.write_string(4, 2, "  ").unwrap(); // blank after trimming
            s.write_string(6, 2, "乙").unwrap();
        });
        let table = read_table(&workbook, Format::Xlsx).unwrap();
        assert_eq!(table.headers, strings(&["名称", "代码"]));
        assert_eq!(cells(&table), vec![vec!["甲", ""], vec!["", "乙"]]);
        assert_eq!(lines(&table), vec![4, 7]);
    }

    #[test]
    fn xlsx_long_number_must_be_text() {
        let workbook = xlsx(|s| {
            s.write_string(0, 0, "名称").unwrap();
            s.write_string(0, 1, "统一社会信用代码").unwrap();
            s.write_string(1, 0, "甲").unwrap();
            s.write_number(1, 1, 914_302_021_234_567_890.0).unwrap();
        });
        let e = read_table(&workbook, Format::Xlsx).unwrap_err();
        assert_eq!(e.code(), "import.number_as_text");
        let TabularError::NumberAsText { sheet, cell, header, .. } = &e else { panic!("{e:?}") };
        assert_eq!((sheet.as_str(), cell.as_str(), header.as_str()), ("登记表", "B2", "统一社会信用代码"));
        assert!(e.to_string().contains("format the column as Text"));
    }

    #[test]
    fn xlsx_error_cell_is_named() {
        let workbook = xlsx(|s| {
            s.write_string(0, 0, "a").unwrap();
            s.write_string(0, 2, "c").unwrap();
            s.write_string(0, 1, "b").unwrap();
            s.write_formula(4, 2, rust_xlsxwriter::Formula::new("=1/0").set_result("#DIV/0!")).unwrap();
        });
        let e = read_table(&workbook, Format::Xlsx).unwrap_err();
        assert_eq!(
            e,
            TabularError::CellError {
                sheet: "登记表".to_owned(), cell: "C5".to_owned(), value: "#DIV/0!".to_owned()
            }
        );
        assert_eq!(e.code(), "import.cell_error");
    }

    #[test]
    fn xlsx_formula_gives_its_cached_value() {
        let workbook = xlsx(|s| {
            s.write_string(0, 0, "合计").unwrap();
            s.write_formula(1, 0, rust_xlsxwriter::Formula::new("=1+1").set_result("2")).unwrap();
        });
        assert_eq!(cells(&read_table(&workbook, Format::Xlsx).unwrap()), vec![vec!["2"]]);
    }

    #[test]
    fn xlsx_duplicate_header() {
        let workbook = xlsx(|s| {
            s.write_string(0, 0, "名称").unwrap();
            s.write_string(0, 1, " 名称").unwrap();
        });
        let e = read_table(&workbook, Format::Xlsx).unwrap_err();
        assert_eq!(e.code(), "import.duplicate_header");
        assert!(e.to_string().contains("名称 (A1, B1)"), "{e}");
    }

    #[test]
    fn xlsx_first_visible_worksheet_is_read() {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let hidden = workbook.add_worksheet().set_name("说明").unwrap();
        hidden.write_string(0, 0, "隐藏").unwrap();
        hidden.set_hidden(true);
        let data = workbook.add_worksheet().set_name("数据").unwrap();
        data.write_string(0, 0, "名称").unwrap();
        data.set_active(true);
        workbook.add_worksheet().set_name("其他").unwrap().write_string(0, 0, "x").unwrap();
        let table = read_table(&workbook.save_to_buffer().unwrap(), Format::Xlsx).unwrap();
        assert_eq!((table.sheet.as_str(), table.headers[0].as_str()), ("数据", "名称"));
    }

    #[test]
    fn damaged_workbook_is_unreadable() {
        let mut bytes = ZIP_MAGIC.to_vec();
        bytes.extend_from_slice(&[0; 64]);
        let e = read_table(&bytes, Format::Xlsx).unwrap_err();
        assert_eq!(e.code(), "import.unreadable");
    }

    #[test]
    fn number_text_has_no_float_artefacts() {
        let text = |x: f64| number_text(x).ok().unwrap();
        assert_eq!(text(12.0), "12");
        assert_eq!(text(-0.0), "0");
        assert_eq!(text(1234.56), "1234.56");
        assert_eq!(text(f64::from_bits(1234.56_f64.to_bits() + 1)), "1234.56"); // 1234.5600000000002
        assert_eq!(text(0.1 + 0.2), "0.3");
        assert_eq!(text(2.5e-8), "0.000000025");
        assert_eq!(text(123_456_789_012.345), "123456789012.345");
        assert!(number_text(1e15).is_err());
        assert!(number_text(-1e15).is_err());
    }

    // ---- writing ----

    #[test]
    fn csv_is_written_with_bom_crlf_and_quotes() {
        let rows = vec![strings(&["高新, 公司", "say \"hi\"", "a\nb"])];
        let bytes = write_table(&strings(&["名称", "备注", "地址"]), &rows, "ignored", Format::Csv).unwrap();
        let text = std::str::from_utf8(&bytes).unwrap();
        assert_eq!(text, "\u{FEFF}名称,备注,地址\r\n\"高新, 公司\",\"say \"\"hi\"\"\",\"a\nb\"\r\n");
    }

    #[test]
    fn xlsx_is_written_as_text_with_frozen_filtered_header() {
        let headers = strings(&["统一社会信用代码", "金额"]);
        let rows = vec![strings(&["91430200MA4L000001", "0012.50"]), strings(&["914302021234567890", "=1+1"])];
        let bytes = write_table(&headers, &rows, "机构/名录", Format::Xlsx).unwrap();
        let table = read_table(&bytes, Format::Xlsx).unwrap();
        assert_eq!(table.sheet, "机构_名录");
        assert_eq!(table.headers, headers);
        assert_eq!(cells(&table), vec![vec!["91430200MA4L000001", "0012.50"], vec!["914302021234567890", "=1+1"]]);
        let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(&bytes)).unwrap();
        let sheet = workbook.worksheet_range("机构_名录").unwrap();
        assert_eq!(sheet.get_value((1, 0)), Some(&calamine::Data::String("91430200MA4L000001".to_owned())));
    }

    #[test]
    fn xlsx_escape_sequences_survive() {
        // OOXML writes control characters as _xHHHH_; a literal one must come back literally.
        let rows = vec![strings(&["_x0041_ and _x000D_"])];
        let bytes = write_table(&strings(&["a"]), &rows, "s", Format::Xlsx).unwrap();
        assert_eq!(cells(&read_table(&bytes, Format::Xlsx).unwrap()), vec![vec!["_x0041_ and _x000D_"]]);
    }

    #[test]
    fn xlsx_cell_too_long_is_named() {
        let rows = vec![vec!["x".repeat(MAX_XLSX_CELL_CHARS + 1)]];
        let e = write_table(&strings(&["a"]), &rows, "s", Format::Xlsx).unwrap_err();
        assert_eq!(e, TabularError::CellTooLong { sheet: "s".to_owned(), cell: "A2".to_owned() });
    }

    #[test]
    fn sheet_names_are_made_acceptable() {
        assert_eq!(sheet_name("a[b]:c*?/\\"), "a_b__c____");
        assert_eq!(sheet_name("''"), "Sheet1");
        assert_eq!(sheet_name(&"长".repeat(40)).chars().count(), 31);
    }

    #[test]
    fn column_widths_count_cjk_double() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("高新区"), 6);
        assert_eq!(display_width("ab\n高新区x"), 7);
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(16_383), "XFD");
    }

    #[test]
    fn every_code_has_a_template_in_the_module_doc() {
        let doc = include_str!("tabular.rs");
        let errors = [
            TabularError::UnknownFormat { value: String::new() },
            TabularError::WrongFormat { expected: Format::Csv, found: "xlsx" },
            TabularError::TooLarge { size: 1 },
            TabularError::TooManyRows,
            TabularError::BadEncoding { offset: 0, line: 1 },
            TabularError::Unreadable { format: Format::Csv, detail: String::new() },
            TabularError::NoSheet,
            TabularError::EmptyFile,
            TabularError::EmptyHeader { sheet: String::new(), cell: "B1".to_owned(), data_cell: "B2".to_owned() },
            TabularError::DuplicateHeader { sheet: String::new(), line: 1, duplicates: Vec::new() },
            TabularError::TooManyFields { sheet: String::new(), line: 1, cell: String::new(), headers: 1 },
            TabularError::CellError { sheet: String::new(), cell: String::new(), value: String::new() },
            TabularError::NumberAsText {
                sheet: String::new(),
                cell: String::new(),
                header: String::new(),
                value: String::new(),
            },
            TabularError::ExportTooManyRows { count: 1 },
            TabularError::CellTooLong { sheet: String::new(), cell: String::new() },
            TabularError::ExportFailed { detail: String::new() },
        ];
        for e in &errors {
            let row = doc
                .lines()
                .find(|l| l.starts_with(&format!("//! | {} |", e.code())))
                .unwrap_or_else(|| panic!("no template for {}", e.code()));
            let names: Vec<&str> = e.args().iter().map(|(k, _)| *k).collect();
            for placeholder in row.split('{').skip(1).filter_map(|p| p.split_once('}')).map(|(name, _)| name) {
                assert!(names.contains(&placeholder), "{}: no argument {placeholder}", e.code());
            }
        }
    }

    // ---- round trips ----

    /// Headers made unique by a `#n` suffix ('#' is not among the generated characters).
    fn unique_headers(raw: Vec<String>) -> Vec<String> {
        raw.into_iter().enumerate().map(|(i, h)| format!("{h}#{i}")).collect()
    }

    /// What reading gives back for written rows: trimmed cells, empty rows skipped, lines kept.
    fn expected(headers: &[String], rows: &[Vec<String>]) -> (Vec<String>, Vec<TableRow>) {
        let headers = headers.iter().map(|h| trim_cell(h).to_owned()).collect();
        let rows = rows
            .iter()
            .enumerate()
            .map(|(i, row)| TableRow { line: i + 2, cells: row.iter().map(|c| trim_cell(c).to_owned()).collect() })
            .filter(|row| row.cells.iter().any(|c| !c.is_empty()))
            .collect();
        (headers, rows)
    }

    const CELL: &str = "[a-z0-9 ,;\"'=_\t\r\n\u{3000}\u{a0}高新区统一社会信用代码株洲𠀀]{0,8}";

    fn table_strategy() -> impl proptest::strategy::Strategy<Value = (Vec<String>, Vec<Vec<String>>)> {
        use proptest::prelude::*;
        (1usize..5).prop_flat_map(|width| {
            (
                proptest::collection::vec(CELL, width).prop_map(unique_headers),
                proptest::collection::vec(proptest::collection::vec(CELL, width), 0..6),
            )
        })
    }

    proptest::proptest! {
        #[test]
        fn csv_round_trip((headers, rows) in table_strategy()) {
            let bytes = write_table(&headers, &rows, "s", Format::Csv).unwrap();
            let table = read_table(&bytes, Format::Csv).unwrap();
            let (headers, rows) = expected(&headers, &rows);
            proptest::prop_assert_eq!(table.headers, headers);
            proptest::prop_assert_eq!(table.rows, rows);
        }

        #[test]
        fn xlsx_round_trip((headers, rows) in table_strategy()) {
            let bytes = write_table(&headers, &rows, "s", Format::Xlsx).unwrap();
            let table = read_table(&bytes, Format::Xlsx).unwrap();
            let (headers, rows) = expected(&headers, &rows);
            proptest::prop_assert_eq!(table.headers, headers);
            proptest::prop_assert_eq!(table.rows, rows);
        }
    }

    // ---- speed ----

    /// 100,000 rows × 12 columns in each format. Run in release:
    /// `cargo test -p gaodi-store --release --lib tabular::tests::read_speed -- --ignored --nocapture`
    #[test]
    #[ignore = "a measurement, run in release mode"]
    fn read_speed() {
        let headers: Vec<String> = (0..12).map(|c| format!("列{c}")).collect();
        let rows: Vec<Vec<String>> = (0..100_000)
            .map(|r| {
                (0..12)
                    .map(|c| match c % 4 {
                        0 => format!("株洲高新区科技有限公司{r}"),
                        1 => format!("91430200MA4L{r:06}"),
                        2 => format!("{}.{}", r * 7, c),
                        _ => format!("{}", r % 97),
                    })
                    .collect()
            })
            .collect();
        // A workbook as Excel saves it: numbers as numbers, text in the shared string table.
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        for (c, h) in headers.iter().enumerate() {
            sheet.write_string(0, u16::try_from(c).unwrap(), h).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, value) in row.iter().enumerate() {
                let (r, c) = (u32::try_from(r + 1).unwrap(), u16::try_from(c).unwrap());
                match value.parse::<f64>() {
                    Ok(x) if c % 4 != 1 => sheet.write_number(r, c, x).unwrap(),
                    _ => sheet.write_string(r, c, value).unwrap(),
                };
            }
        }
        let files = [
            ("csv", write_table(&headers, &rows, "s", Format::Csv).unwrap(), Format::Csv),
            ("xlsx (text)", write_table(&headers, &rows, "s", Format::Xlsx).unwrap(), Format::Xlsx),
            ("xlsx (numbers)", workbook.save_to_buffer().unwrap(), Format::Xlsx),
        ];
        for (name, bytes, format) in &files {
            let start = std::time::Instant::now();
            let table = read_table(bytes, *format).unwrap();
            let elapsed = start.elapsed();
            assert_eq!(table.rows.len(), 100_000);
            println!("read {name}: {} bytes in {elapsed:?}", bytes.len());
            assert!(elapsed < std::time::Duration::from_secs(2), "{name} took {elapsed:?}");
        }
        let start = std::time::Instant::now();
        let written = write_table(&headers, &rows, "s", Format::Xlsx).unwrap();
        println!("write xlsx: {} bytes in {:?}", written.len(), start.elapsed());
    }
}
