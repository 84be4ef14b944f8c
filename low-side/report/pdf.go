package report

import (
	"bytes"
	"fmt"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// PDF layout, in millimetres and points.
const (
	pdfMargin    = 12.0
	pdfRowHeight = 4.2
	pdfTableFont = 7.0
	pdfMaxShare  = 0.45 // widest share of the page one column may take
)

// PDF renders the document as a PDF (A4 landscape, the core Helvetica
// font, text in Windows-1252). at is written as the creation and
// modification date, so the same document and time give the same bytes.
func (d Document) PDF(at time.Time) ([]byte, error) {
	p := fpdf.New("L", "mm", "A4", "")
	p.SetCreationDate(at)
	p.SetModificationDate(at)
	p.SetCatalogSort(true)
	p.SetProducer("bastion-report", false)
	p.SetTitle(d.Title, true)
	p.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	p.SetAutoPageBreak(true, pdfMargin)
	tr := p.UnicodeTranslatorFromDescriptor("")
	p.SetFooterFunc(func() {
		p.SetY(-pdfMargin + 2)
		p.SetFont("Helvetica", "", 7)
		p.CellFormat(0, 4, tr(fmt.Sprintf("%s - page %d", d.Title, p.PageNo())), "", 0, "R", false, 0, "")
	})
	p.AddPage()
	p.SetFont("Helvetica", "B", 14)
	p.CellFormat(0, 8, tr(d.Title), "", 1, "L", false, 0, "")
	pdfFacts(p, tr, d.Facts)
	for _, t := range d.Tables {
		pdfTable(p, tr, t)
	}
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		return nil, fmt.Errorf("failed to render pdf: %w", err)
	}
	return buf.Bytes(), nil
}

// pdfFacts writes the facts as a two-column list.
func pdfFacts(p *fpdf.Fpdf, tr func(string) string, facts []Fact) {
	for _, f := range facts {
		p.SetFont("Helvetica", "B", 8)
		p.CellFormat(55, pdfRowHeight, tr(f.Key), "", 0, "L", false, 0, "")
		p.SetFont("Helvetica", "", 8)
		v := f.Value
		if v == "" {
			v = "-"
		}
		p.MultiCell(0, pdfRowHeight, tr(v), "", "L", false)
	}
	p.Ln(2)
}

// pdfTable writes one table, repeating its header on every page.
func pdfTable(p *fpdf.Fpdf, tr func(string) string, t Table) {
	p.SetFont("Helvetica", "B", 10)
	p.CellFormat(0, 7, tr(fmt.Sprintf("%s (%d)", t.Title, len(t.Rows))), "", 1, "L", false, 0, "")
	if len(t.Rows) == 0 {
		p.SetFont("Helvetica", "I", 8)
		p.CellFormat(0, pdfRowHeight, "none", "", 1, "L", false, 0, "")
		return
	}
	p.SetFont("Helvetica", "", pdfTableFont)
	widths := columnWidths(p, tr, t)
	header := func() {
		p.SetFont("Helvetica", "B", pdfTableFont)
		for i, c := range t.Columns {
			p.CellFormat(widths[i], pdfRowHeight, tr(c), "B", 0, "L", false, 0, "")
		}
		p.Ln(-1)
		p.SetFont("Helvetica", "", pdfTableFont)
	}
	header()
	_, pageH := p.GetPageSize()
	for _, r := range t.Rows {
		if p.GetY()+pdfRowHeight > pageH-pdfMargin {
			p.AddPage()
			header()
		}
		for i, c := range r {
			p.CellFormat(widths[i], pdfRowHeight, fit(p, tr(c), widths[i]), "", 0, "L", false, 0, "")
		}
		p.Ln(-1)
	}
	p.Ln(2)
}

// columnWidths shares the page width among the columns in proportion to
// their widest cell, no column over pdfMaxShare of the page.
func columnWidths(p *fpdf.Fpdf, tr func(string) string, t Table) []float64 {
	pageW, _ := p.GetPageSize()
	avail := pageW - 2*pdfMargin
	w := make([]float64, len(t.Columns))
	for i, c := range t.Columns {
		w[i] = p.GetStringWidth(tr(c)) + 2
	}
	for _, r := range t.Rows[:min(len(t.Rows), 500)] {
		for i, c := range r {
			w[i] = max(w[i], min(p.GetStringWidth(tr(c))+2, avail*pdfMaxShare))
		}
	}
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	for i := range w {
		w[i] *= avail / sum
	}
	return w
}

// fit shortens s with "..." until it fits width w.
func fit(p *fpdf.Fpdf, s string, w float64) string {
	if p.GetStringWidth(s) <= w-1 {
		return s
	}
	for len(s) > 0 && p.GetStringWidth(s+"...") > w-1 {
		s = s[:len(s)-1]
	}
	return s + "..."
}
