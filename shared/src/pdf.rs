//! A small PDF writer for the bot's documents (the wallet's statement): A4 pages of text rows,
//! each row of cells at fixed positions, left- or right-aligned, in one embedded font.
//!
//! The font is a subset of DejaVu Sans (`assets/fonts/`, its licence beside it) covering Latin,
//! Romanian, French, German and Cyrillic: every locale's text renders, nothing is fetched at
//! run time, and no system library is needed. It is embedded as a CID font (Identity-H) with a
//! `ToUnicode` map, so the text of the document can be selected, searched and copied.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

/// The embedded font (see `assets/fonts/LICENSE`).
const FONT: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-statement.ttf");
const FONT_NAME: Name<'static> = Name(b"DejaVuSans");

/// A4 in points.
pub const PAGE_WIDTH: f32 = 595.0;
pub const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 50.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    /// `x` is where the text ends.
    Right,
}

/// Text at `x` points from the page's left edge.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub text: String,
    pub x: f32,
    pub align: Align,
}

impl Cell {
    pub fn left(x: f32, text: impl Into<String>) -> Cell {
        Cell { text: text.into(), x, align: Align::Left }
    }

    pub fn right(x: f32, text: impl Into<String>) -> Cell {
        Cell { text: text.into(), x, align: Align::Right }
    }
}

/// One line of the document: its cells share a baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub cells: Vec<Cell>,
    /// Font size in points.
    pub size: f32,
    /// Extra space above the row, in points.
    pub space_before: f32,
    /// A thin rule under the row (a table's header, a total).
    pub rule_below: bool,
}

impl Row {
    pub fn new(size: f32, cells: Vec<Cell>) -> Row {
        Row { cells, size, space_before: 0.0, rule_below: false }
    }

    pub fn space_before(mut self, points: f32) -> Row {
        self.space_before = points;
        self
    }

    pub fn rule_below(mut self) -> Row {
        self.rule_below = true;
        self
    }
}

/// The embedded font's metrics, read once per document.
struct Font<'f> {
    face: ttf_parser::Face<'f>,
    units_per_em: f32,
}

impl<'f> Font<'f> {
    fn load() -> Font<'static> {
        let face = ttf_parser::Face::parse(FONT, 0).expect("the embedded font parses");
        let units_per_em = f32::from(face.units_per_em());
        Font { face, units_per_em }
    }

    /// The glyph of `c`; characters the font lacks become `?` rather than disappearing.
    fn glyph(&self, c: char) -> u16 {
        self.face.glyph_index(c).or_else(|| self.face.glyph_index('?')).map(|g| g.0).unwrap_or(0)
    }

    /// Advance width of a glyph in thousandths of the font size.
    fn advance(&self, glyph: u16) -> f32 {
        let units = self.face.glyph_hor_advance(ttf_parser::GlyphId(glyph)).unwrap_or(0);
        f32::from(units) * 1000.0 / self.units_per_em
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(self.glyph(c))).sum::<f32>() * size / 1000.0
    }

    fn scaled(&self, units: i16) -> f32 {
        f32::from(units) * 1000.0 / self.units_per_em
    }
}

/// The width of `text` at `size` in the embedded font, in points (for laying out columns).
pub fn text_width(text: &str, size: f32) -> f32 {
    Font::load().width(text, size)
}

/// Renders `rows` on as many A4 pages as they need, top to bottom; `title` is the document's
/// title in its metadata. Returns the PDF file's bytes.
pub fn render(title: &str, rows: &[Row]) -> Vec<u8> {
    let font = Font::load();
    let mut next = 1;
    let mut alloc = || {
        let id = Ref::new(next);
        next += 1;
        id
    };
    let catalog_id = alloc();
    let pages_id = alloc();
    let info_id = alloc();
    let type0_id = alloc();
    let cid_id = alloc();
    let descriptor_id = alloc();
    let cmap_id = alloc();
    let file_id = alloc();

    let mut used: std::collections::BTreeMap<u16, char> = Default::default();
    let mut pages: Vec<Content> = Vec::new();
    let mut content = Content::new();
    let mut y = PAGE_HEIGHT - MARGIN;
    for row in rows {
        let height = row.size * 1.45 + row.space_before;
        if y - height < MARGIN && y < PAGE_HEIGHT - MARGIN {
            pages.push(std::mem::replace(&mut content, Content::new()));
            y = PAGE_HEIGHT - MARGIN;
        }
        y -= height;
        for cell in &row.cells {
            let mut glyphs = Vec::with_capacity(cell.text.len() * 2);
            for c in cell.text.chars() {
                let glyph = font.glyph(c);
                used.entry(glyph).or_insert(c);
                glyphs.extend_from_slice(&glyph.to_be_bytes());
            }
            let x = match cell.align {
                Align::Left => cell.x,
                Align::Right => cell.x - font.width(&cell.text, row.size),
            };
            content.begin_text();
            content.set_font(Name(b"F1"), row.size);
            content.next_line(x, y);
            content.show(Str(&glyphs));
            content.end_text();
        }
        if row.rule_below {
            content.set_line_width(0.5);
            content.move_to(MARGIN, y - row.size * 0.35);
            content.line_to(PAGE_WIDTH - MARGIN, y - row.size * 0.35);
            content.stroke();
        }
    }
    pages.push(content);

    let mut pdf = Pdf::new();
    pdf.catalog(catalog_id).pages(pages_id);
    pdf.document_info(info_id).title(TextStr(title)).producer(TextStr("paybot"));
    let page_ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (alloc(), alloc())).collect();
    pdf.pages(pages_id).kids(page_ids.iter().map(|(page, _)| *page)).count(page_ids.len() as i32);
    for ((page_id, content_id), content) in page_ids.iter().zip(pages) {
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
        page.parent(pages_id);
        page.contents(*content_id);
        page.resources().fonts().pair(Name(b"F1"), type0_id);
        page.finish();
        let bytes = content.finish();
        pdf.stream(*content_id, &bytes);
    }

    pdf.type0_font(type0_id)
        .base_font(FONT_NAME)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid_id)
        .to_unicode(cmap_id);
    let system_info = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };
    let mut cid = pdf.cid_font(cid_id);
    cid.subtype(CidFontType::Type2)
        .base_font(FONT_NAME)
        .system_info(system_info)
        .font_descriptor(descriptor_id)
        .default_width(font.advance(0))
        .cid_to_gid_map_predefined(Name(b"Identity"));
    {
        let mut widths = cid.widths();
        for glyph in used.keys() {
            widths.consecutive(*glyph, [font.advance(*glyph)]);
        }
    }
    cid.finish();

    let bbox = font.face.global_bounding_box();
    pdf.font_descriptor(descriptor_id)
        .name(FONT_NAME)
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(
            font.scaled(bbox.x_min),
            font.scaled(bbox.y_min),
            font.scaled(bbox.x_max),
            font.scaled(bbox.y_max),
        ))
        .italic_angle(0.0)
        .ascent(font.scaled(font.face.ascender()))
        .descent(font.scaled(font.face.descender()))
        .cap_height(font.scaled(font.face.capital_height().unwrap_or(font.face.ascender())))
        .stem_v(80.0)
        .font_file2(file_id);

    let mut cmap = pdf_writer::types::UnicodeCmap::new(Name(b"Custom"), system_info);
    for (glyph, c) in &used {
        cmap.pair(*glyph, *c);
    }
    let cmap = cmap.finish();
    pdf.cmap(cmap_id, cmap.as_slice());

    let compressed = compress(FONT);
    pdf.stream(file_id, &compressed).filter(Filter::FlateDecode).pair(Name(b"Length1"), FONT.len() as i32);
    pdf.finish()
}

/// The font file deflated: a third of its size, on every statement sent.
fn compress(bytes: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(bytes, 8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(pdf: &[u8]) -> String {
        let document = lopdf::Document::load_mem(pdf).expect("the PDF parses back");
        let pages: Vec<u32> = document.get_pages().keys().copied().collect();
        document.extract_text(&pages).expect("its text extracts")
    }

    #[test]
    fn a_document_is_a_pdf_whose_text_reads_back_in_every_script() {
        let rows = vec![
            Row::new(16.0, vec![Cell::left(50.0, "Выписка по счёту")]).rule_below(),
            Row::new(
                10.0,
                vec![Cell::left(50.0, "Relevé — Kontoauszug"), Cell::right(545.0, "1 234,50 GHS")],
            ),
            Row::new(10.0, vec![Cell::left(50.0, "Extras: ș ț ă î â")]),
        ];
        let pdf = render("Statement", &rows);
        assert!(pdf.starts_with(b"%PDF-"));
        let text = text_of(&pdf);
        for expected in ["Выписка по счёту", "Relevé — Kontoauszug", "1 234,50 GHS", "ș ț ă î â"]
        {
            assert!(text.contains(expected), "{expected:?} missing from {text:?}");
        }
    }

    #[test]
    fn long_documents_continue_on_further_pages() {
        let rows: Vec<Row> =
            (0..120).map(|i| Row::new(10.0, vec![Cell::left(50.0, format!("line {i}"))])).collect();
        let pdf = render("Long", &rows);
        let document = lopdf::Document::load_mem(&pdf).unwrap();
        assert!(document.get_pages().len() >= 3);
        let text = text_of(&pdf);
        assert!(text.contains("line 0") && text.contains("line 119"));
    }

    #[test]
    fn right_aligned_text_ends_at_its_position() {
        let narrow = text_width("1,00", 10.0);
        let wide = text_width("1 000 000,00", 10.0);
        assert!(narrow > 0.0 && wide > narrow * 2.0);
    }
}
