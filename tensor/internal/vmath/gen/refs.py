# Writes testdata/normcdf64.txt: exact values of the normal CDF at 300
# float64 points, mostly in its lower tail (x in [-38, -1], 140 of them in
# [-3, -1]) where the tests' float64 reference, math.Erfc, is itself up to
# 4 ulp off: x and Φ(x) = hi + lo, all three as hexadecimal floats,
# computed with mpmath in 50-digit arithmetic. Run from the vmath directory:
#   python3 gen/refs.py > testdata/normcdf64.txt
import mpmath as mp, random
mp.mp.dps = 50
rng = random.Random(20240601)
xs = [-1 - 2*rng.random() for _ in range(140)]
xs += [-3 - 35*rng.random() for _ in range(100)]
xs += [-1 + 2*rng.random() for _ in range(30)]
xs += [1 + 7*rng.random() for _ in range(30)]
print("# x Φ(x)=hi+lo, from gen/refs.py (mpmath, 50 digits)")
for x in xs:
    p = mp.ncdf(mp.mpf(x))
    hi = float(p)
    lo = float(p - mp.mpf(hi))
    print(x.hex(), hi.hex(), lo.hex())
