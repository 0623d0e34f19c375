package main

import "math"

func f32bits(v float32) uint32 { return math.Float32bits(v) }

func f64bits(v float64) uint64 { return math.Float64bits(v) }
