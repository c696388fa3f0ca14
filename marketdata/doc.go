// Package marketdata loads daily bars, gives point-in-time views of them and computes the
// per-day features and targets of the latent model.
//
// # Bars and series
//
// A Bar is one trading day, and its Date is UTC midnight of the exchange-local date. A Series is
// one symbol's bars with strictly increasing dates, validated by every Source: prices positive
// and finite, low <= open, close <= high (within a relative 1e-6), volume non-negative.
// Series.Adjusted scales open, high, low and close by AdjClose/Close, which removes the
// jumps of splits and dividends. Features and targets are computed on adjusted bars.
//
// # Point in time
//
// Series.AsOf(d) returns a View holding the bars dated on or before d and no way to reach a
// later bar. A d on a weekend or holiday gives the last bar before it. A d after the last bar
// is an *AfterLastBarError (ErrAfterLastBar), so that a run does not silently use older data
// than requested.
//
// # Sources
//
//   - CSVDir reads DIR/SYMBOL.csv with the header date,open,high,low,close,adj_close,volume or
//     Yahoo's download header. Every bad row is an error naming file, line, field and value.
//   - Yahoo reads the Yahoo Finance chart API v8 and keeps a CSV cache per symbol, so that
//     finished days are fetched once. DecodeChart decodes one response body, including split
//     and dividend events.
//
// Errors wrap the sentinels ErrUnknownSymbol, ErrInvalidSymbol, ErrNoData, ErrInvalidData,
// ErrAfterLastBar and ErrInsufficientHistory for use with errors.Is.
//
// # Features
//
// ComputeFeatures returns NumFeatures values per bar (FeatureNames), each computed from that
// bar and earlier ones only: returns, range, gap, body, volume ratio, realized volatility over
// 5, 20 and 60 bars, RSI(14), MACD histogram, Bollinger %b, ATR(14), distance from the 20-,
// 50- and 200-bar SMAs, and momentum over 5, 20 and 60 bars. Targets returns the return,
// upside and downside over the next h bars. Windows count bars, not calendar days, so crypto
// (trading daily) and equities (trading on exchange days) use the same code.
package marketdata
