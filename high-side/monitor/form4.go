package monitor

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// maxForm4Size bounds a Form 4 document, in bytes. Real filings are tens
// of kilobytes.
const maxForm4Size = 4 << 20

// Form4 is what the restricted list takes from an SEC Form 4 ownership
// filing (EDGAR ownershipDocument, schema X0306 and later): the issuer
// whose insider reported a trade.
type Form4 struct {
	DocumentType string // "4" or "4/A"
	IssuerCIK    string
	IssuerName   string
	Symbol       string // issuerTradingSymbol, upper case
}

// form4XML mirrors the elements of ownershipDocument that Form4 needs.
type form4XML struct {
	XMLName      xml.Name `xml:"ownershipDocument"`
	DocumentType string   `xml:"documentType"`
	Issuer       struct {
		CIK    string `xml:"issuerCik"`
		Name   string `xml:"issuerName"`
		Symbol string `xml:"issuerTradingSymbol"`
	} `xml:"issuer"`
}

// ParseForm4 reads a Form 4 XML document. It returns an error for a
// document over 4 MiB, malformed XML, a root other than ownershipDocument,
// a document type other than 4 or 4/A, or a missing or malformed trading
// symbol.
func ParseForm4(r io.Reader) (Form4, error) {
	lr := &io.LimitedReader{R: r, N: maxForm4Size + 1}
	var doc form4XML
	dec := xml.NewDecoder(lr)
	if err := dec.Decode(&doc); err != nil {
		if lr.N <= 0 {
			return Form4{}, fmt.Errorf("malformed Form 4: larger than %d bytes", maxForm4Size)
		}
		return Form4{}, fmt.Errorf("malformed Form 4: %v", err)
	}
	f := Form4{
		DocumentType: strings.TrimSpace(doc.DocumentType),
		IssuerCIK:    strings.TrimSpace(doc.Issuer.CIK),
		IssuerName:   strings.TrimSpace(doc.Issuer.Name),
		Symbol:       strings.ToUpper(strings.TrimSpace(doc.Issuer.Symbol)),
	}
	return f, f.validate()
}

func (f Form4) validate() error {
	switch {
	case f.DocumentType != "4" && f.DocumentType != "4/A":
		return fmt.Errorf("malformed Form 4: document type %q, want 4 or 4/A", clip(f.DocumentType))
	case f.Symbol == "":
		return errors.New("malformed Form 4: no issuerTradingSymbol")
	case !validSymbol(f.Symbol):
		return fmt.Errorf("malformed Form 4: issuerTradingSymbol %q", clip(f.Symbol))
	}
	return nil
}

// LoadForm4 parses the Form 4 file at path; errors name the file.
func LoadForm4(path string) (Form4, error) {
	fh, err := os.Open(path)
	if err != nil {
		return Form4{}, fmt.Errorf("failed to open Form 4: %w", err)
	}
	defer fh.Close()
	f, err := ParseForm4(fh)
	if err != nil {
		return Form4{}, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}
