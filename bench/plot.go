package main

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// drawPlot writes a PNG of each system's drain rate against the number of
// workers, on a logarithmic scale: the systems differ by orders of
// magnitude.
func drawPlot(r *Results, file string) error {
	if len(r.Concurrency) == 0 {
		return fmt.Errorf("no concurrency figures to plot (-quick without -plot skips them)")
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("No-op jobs drained per second (%d CPUs, Redis %s)", r.CPUs, r.Redis)
	p.X.Label.Text = "workers (concurrency)"
	p.Y.Label.Text = "jobs/s (log scale)"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker = plot.ConstantTicks(workerTicks(r))
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(8), -vg.Points(4)
	lo, hi := 0.0, 0.0

	series := []struct {
		name  string
		get   func(ConcurrencyPoint) *float64
		color color.Color
		shape draw.GlyphDrawer
	}{
		{"rqlite (Worker, WorkerPool)", func(c ConcurrencyPoint) *float64 { return c.Rqlite }, color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, draw.CircleGlyph{}},
		{"asynq (concurrency)", func(c ConcurrencyPoint) *float64 { return c.Asynq }, color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, draw.BoxGlyph{}},
		{"Python RQ (SimpleWorker processes)", func(c ConcurrencyPoint) *float64 { return c.PythonRQ }, color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, draw.PyramidGlyph{}},
	}
	for _, s := range series {
		var pts plotter.XYs
		for _, c := range r.Concurrency {
			if v := s.get(c); v != nil && *v > 0 {
				pts = append(pts, plotter.XY{X: float64(c.Workers), Y: *v})
			}
		}
		if len(pts) == 0 {
			continue
		}
		for _, pt := range pts {
			if lo == 0 || pt.Y < lo {
				lo = pt.Y
			}
			hi = max(hi, pt.Y)
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return err
		}
		line.Color, line.Width = s.color, vg.Points(2)
		points.Color, points.Shape, points.Radius = s.color, s.shape, vg.Points(3.5)
		p.Add(line, points)
		p.Legend.Add(s.name, line, points)
	}
	if hi == 0 {
		return fmt.Errorf("no concurrency figures to plot")
	}
	// Room above the lines for the legend; the axes' ends on round values.
	p.Y.Min, p.Y.Max = lo/1.6, hi*6
	p.Y.Tick.Marker = plot.ConstantTicks(rateTicks(p.Y.Min, p.Y.Max))
	p.X.Min, p.X.Max = float64(r.Concurrency[0].Workers)*0.85, float64(r.Concurrency[len(r.Concurrency)-1].Workers)*1.15
	return p.Save(18*vg.Centimeter, 11*vg.Centimeter, file)
}

// rateTicks are ticks at 1, 2 and 5 times the powers of ten between lo and
// hi, labelled with thousands separators.
func rateTicks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for p := 1.0; p <= hi; p *= 10 {
		for _, m := range []float64{1, 2, 5} {
			if v := m * p; v >= lo && v <= hi {
				ts = append(ts, plot.Tick{Value: v, Label: thousands(int(v))})
			}
		}
	}
	return ts
}

// workerTicks labels the measured numbers of workers.
func workerTicks(r *Results) []plot.Tick {
	var ts []plot.Tick
	for _, c := range r.Concurrency {
		ts = append(ts, plot.Tick{Value: float64(c.Workers), Label: fmt.Sprint(c.Workers)})
	}
	return ts
}
