package marketdata

import (
	"bytes"
	"errors"
	"testing"
)

func FuzzCSV(f *testing.F) {
	seeds := []string{
		"date,open,high,low,close,adj_close,volume\n2024-01-02,10,11,9.5,10.5,10.25,1000\n2024-01-03,10.5,10.75,10,10.25,,0\n",
		"Date,Open,High,Low,Close,Adj Close,Volume\r\n2024-01-02,10,11,9.5,10.5,10.25,1000\r\n2024-01-03,null,null,null,null,null,null\r\n",
		"Volume,Close,Date,Low,High,Open\n5,2,2024-01-02,1,3,2\n",
		"date,open,high,low,close,adj_close,volume\n2024-01-02,1e308,1e308,1e-308,1,,0\n",
		"date,open,high,low,close,adj_close,volume\n2024-01-02,10,11,9.5,10.5,,1\n2024-01-02,10,11,9.5,10.5,,1\n",
		"date,open,high,low,close,adj_close,volume\n\"2024-01-02\",\"10\",11,9.5,10.5,,NaN\n",
		"date,open,high,low,close,adj_close,volume\n",
		"",
		"\ufeffdate,open\n,\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		bars, err := ReadCSV(bytes.NewReader(data), "fuzz.csv")
		if err != nil {
			if !errors.Is(err, ErrInvalidData) && !errors.Is(err, ErrNoData) {
				t.Fatalf("error wraps neither ErrInvalidData nor ErrNoData: %v", err)
			}
			return
		}
		if len(bars) == 0 {
			t.Fatal("no error and no bars")
		}
		if err := ValidateBars("fuzz.csv", bars); err != nil {
			t.Fatalf("accepted bars fail validation: %v", err)
		}
		var buf bytes.Buffer
		if err := WriteCSV(&buf, bars); err != nil {
			t.Fatal(err)
		}
		again, err := ReadCSV(&buf, "rewritten.csv")
		if err != nil {
			t.Fatalf("rewritten CSV is rejected: %v\n%s", err, buf.String())
		}
		if !sameBars(bars, again) {
			t.Fatalf("round trip changed the bars:\n%v\n%v", bars, again)
		}
	})
}

func FuzzDecodeChart(f *testing.F) {
	seeds := []string{
		`{"chart":{"result":[{"meta":{"symbol":"X","exchangeTimezoneName":"America/New_York","gmtoffset":-18000},` +
			`"timestamp":[1577975400,1578061800],"indicators":{"quote":[{"open":[1,1.1],"high":[2,2],"low":[1,1],` +
			`"close":[1.5,null],"volume":[10,20]}],"adjclose":[{"adjclose":[1.4,1.9]}]},` +
			`"events":{"splits":{"1577975400":{"date":1577975400,"numerator":4,"denominator":1,"splitRatio":"4:1"}},` +
			`"dividends":{"1578061800":{"amount":0.2,"date":1578061800}}}}],"error":null}}`,
		`{"chart":{"result":[{"meta":{"symbol":"X","dataGranularity":"1m"},"indicators":{"quote":[{}]}}],"error":null}}`,
		`{"chart":{"result":null,"error":{"code":"Not Found","description":"No data found"}}}`,
		`{"chart":{"result":[{"meta":{"exchangeTimezoneName":"../../etc"},"timestamp":[null,-1],"indicators":{"quote":[{"open":[1],"high":[1],"low":[1],"close":[1],"volume":[1]}]}}]}}`,
		`{"chart":{"result":[]}}`,
		`[]`,
		``,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := DecodeChart(bytes.NewReader(data))
		if err != nil {
			return
		}
		if len(res.Bars) == 0 {
			t.Fatal("no error and no bars")
		}
		if err := ValidateBars("fuzz", res.Bars); err != nil {
			t.Fatalf("decoded bars fail validation: %v", err)
		}
	})
}
