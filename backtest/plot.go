package backtest

import (
	"bytes"
	"fmt"
	"image/color"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// PlotPNG draws one panel per symbol with the equity of each strategy divided by its starting
// capital, and returns the PNG. The result named benchmarkName is drawn thick, dashed and black. A
// strategy keeps its color across panels. width and panelHeight are in inches.
func PlotPNG(results []*Result, benchmarkName string, width, panelHeight float64) ([]byte, error) {
	var symbols, strategies []string
	for _, r := range results {
		if !slices.Contains(symbols, r.Symbol) {
			symbols = append(symbols, r.Symbol)
		}
		if !slices.Contains(strategies, r.Strategy) {
			strategies = append(strategies, r.Strategy)
		}
	}
	if len(symbols) == 0 {
		return nil, fmt.Errorf("no results to plot")
	}

	panels := make([][]*plot.Plot, len(symbols))
	for i, symbol := range symbols {
		p := plot.New()
		p.Title.Text = symbol + ": equity / starting capital"
		p.X.Tick.Marker = plot.TimeTicks{Format: "2006-01-02"}
		p.Y.Tick.Marker = equityTicks{}
		p.Legend.Top, p.Legend.Left = true, true
		p.Legend.ThumbnailWidth = vg.Points(20)
		p.Add(plotter.NewGrid())
		for _, r := range results {
			if r.Symbol != symbol {
				continue
			}
			line, err := equityLine(r)
			if err != nil {
				return nil, err
			}
			line.Color = plotutil.Color(slices.Index(strategies, r.Strategy))
			line.Width = vg.Points(1.2)
			if r.Strategy == benchmarkName {
				line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
				line.Width = vg.Points(2.2)
				line.Color = color.Black
			}
			p.Add(line)
			p.Legend.Add(r.Strategy, line)
		}
		panels[i] = []*plot.Plot{p}
	}

	img := vgimg.New(vg.Length(width)*vg.Inch, vg.Length(panelHeight*float64(len(symbols)))*vg.Inch)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(symbols), Cols: 1, PadTop: vg.Points(4), PadBottom: vg.Points(4), PadY: vg.Points(12), PadLeft: vg.Points(4), PadRight: vg.Points(8)}
	canvases := plot.Align(panels, tiles, dc)
	for i := range panels {
		panels[i][0].Draw(canvases[i][0])
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("render equity plot: %w", err)
	}
	return buf.Bytes(), nil
}

// equityLine returns r's equity curve. The starting capital is drawn one day before the first
// close, where the first order was decided.
func equityLine(r *Result) (*plotter.Line, error) {
	points := make(plotter.XYs, 0, len(r.Days)+1)
	if len(r.Days) > 0 {
		points = append(points, plotter.XY{X: float64(r.Days[0].Date.AddDate(0, 0, -1).Unix()), Y: 1})
	}
	for _, d := range r.Days {
		points = append(points, plotter.XY{X: float64(d.Date.Unix()), Y: d.Equity / r.Capital})
	}
	line, err := plotter.NewLine(points)
	if err != nil {
		return nil, fmt.Errorf("plot %s %s: %w", r.Symbol, r.Strategy, err)
	}
	return line, nil
}

// equityTicks labels the equity axis with two decimals, so that close ticks such as 1.00 and
// 1.04 do not both print as "1" as the default labels do.
type equityTicks struct{}

// Ticks returns the default tick positions with labels of two decimals.
func (equityTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'f', 2, 64)
		}
	}
	return ticks
}
