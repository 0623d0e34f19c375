package main

import (
	"fmt"
	"strings"

	"github.com/adjoint-go/adjoint/layers/data"
)

// loadHousing reads the embedded data set: the article's four feature
// columns (featureNames, in that order) and the target column, one row per
// house. Columns are found by name in the header, so the file's column order
// does not matter and its other columns are not read.
func loadHousing() (x, y *data.Table, err error) {
	tab, err := data.ReadCSV(strings.NewReader(housingCSV), data.CSVOptions{Columns: append(featureNames(), targetName)})
	if err != nil {
		return nil, nil, fmt.Errorf("embedded housing.csv: %w", err)
	}
	if x, err = tab.Select(featureNames()...); err != nil {
		return nil, nil, err
	}
	if y, err = tab.Select(targetName); err != nil {
		return nil, nil, err
	}
	return x, y, nil
}
