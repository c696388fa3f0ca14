package marketdata_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/traderlab/trader/marketdata"
)

func ExampleSeries_AsOf() {
	const data = `date,open,high,low,close,adj_close,volume
2024-03-07,100,102,99,101,,1000
2024-03-08,101,103,100,102,,1100
2024-03-11,102,104,101,103,,1200
`
	bars, err := marketdata.ReadCSV(strings.NewReader(data), "XYZ.csv")
	if err != nil {
		fmt.Println(err)
		return
	}
	s := &marketdata.Series{Symbol: "XYZ", Bars: bars}

	// Sunday 2024-03-10 resolves to Friday's bar; Monday's bar stays out of reach.
	sunday, _ := marketdata.ParseDate("2024-03-10")
	v, err := s.AsOf(sunday)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(v.Len(), marketdata.FormatDate(v.Date()), v.Last().Close)

	tuesday, _ := marketdata.ParseDate("2024-03-12")
	_, err = s.AsOf(tuesday)
	fmt.Println(errors.Is(err, marketdata.ErrAfterLastBar))
	fmt.Println(err)
	// Output:
	// 2 2024-03-08 102
	// true
	// as-of 2024-03-12 is after the last bar (2024-03-11) of XYZ; choose an as-of date on or before 2024-03-11 or update the data
}
