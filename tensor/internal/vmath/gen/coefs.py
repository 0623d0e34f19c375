# Chebyshev coefficients of Q(y) = erfc(z)·e^(z²)/t, t = K/(K+z), on
# t ∈ [K/(K+zmax), 1] mapped to y ∈ [-1, 1], by interpolation at N Chebyshev
# nodes in 60-digit arithmetic (mpmath), truncated to the first M terms.
import mpmath as mp, struct
mp.mp.dps = 60
def cheb(K, zmax, N):
    tmin = K/(K+zmax)
    def f(y):
        t = tmin + (y+1)*(1-tmin)/2
        z = K/t - K
        return mp.erfc(z)*mp.exp(z*z)/t
    nodes = [mp.cos(mp.pi*(j+mp.mpf(1)/2)/N) for j in range(N)]
    vals = [f(y) for y in nodes]
    c = [2*sum(vals[j]*mp.cos(mp.pi*k*(j+mp.mpf(1)/2)/N) for j in range(N))/N for k in range(N)]
    c[0] /= 2
    return c, tmin
def f32(x):
    return struct.unpack('f', struct.pack('f', float(x)))[0]
for name, K, zmax, M, conv in [("erfcCheb64", 4, 28.5, 24, float), ("erfcCheb32", 3, 11.5, 10, f32)]:
    c, tmin = cheb(K, zmax, 60)
    print("// %s: K = %d, t from %s to 1, %d terms; first dropped term %.3g" % (name, K, mp.nstr(tmin, 17), M, float(c[M])))
    print("var %s = []float64{" % name)
    for v in c[:M]:
        print("\t%s," % conv(v).hex())
    print("}")
    print("const %sTmin = %s" % (name, float(tmin).hex()))

# Coefficients (lowest degree first) of P(r) ≈ erf(x)/x - 1, r = x², on
# r ∈ [0, R] for erf(x) = x + x·P(x²) below |x| = √R: mpmath's chebyfit
# (a Chebyshev interpolant, close to minimax), rounded to the target type.
def erf_small(R, N):
    def f(r):
        if r == 0:
            return 2/mp.sqrt(mp.pi) - 1
        x = mp.sqrt(r)
        return mp.erf(x)/x - 1
    p, err = mp.chebyfit(f, [0, R], N, error=True)
    return p[::-1], err
for name, N, conv in [("erfSmall64", 13, float), ("erfSmall32", 7, f32)]:
    c, err = erf_small(mp.mpf(1), N)
    print("// %s: %d terms on r in [0, 1], error %.3g" % (name, N, float(err)))
    print("var %s = []float64{" % name)
    for v in c:
        print("\t%s," % conv(v).hex())
    print("}")

# The float32 GELU kernels' polynomials (geluExp32, geluPhi32, geluQ32):
# least squares on the relative error at Chebyshev nodes (close to minimax),
# the coefficients rounded to float32 one at a time from the lowest, the
# higher ones refitted after each rounding. Prints each set with its largest
# relative error (exact arithmetic, 2001 points).
mp.mp.dps = 40
def lsq(nodes, target, basis, weight, fixed):
    n, k = len(basis), len(fixed)
    rows, rhs = [], []
    for x in nodes:
        w = weight(x)
        rows.append([w*basis[i](x) for i in range(k, n)])
        rhs.append(w*(target(x) - sum(fixed[i]*basis[i](x) for i in range(k))))
    A, b = mp.matrix(rows), mp.matrix(rhs)
    sol = mp.lu_solve(A.T*A, A.T*b)
    return [sol[i] for i in range(n-k)]
def seqround(nodes, target, basis, weight):
    fixed = []
    for _ in basis:
        fixed.append(mp.mpf(f32(lsq(nodes, target, basis, weight, fixed)[0])))
    return fixed
def chebnodes(lo, hi, N):
    return [(lo+hi)/2 + (hi-lo)/2*mp.cos(mp.pi*(j+mp.mpf(1)/2)/N) for j in range(N)]
def power(i, step=1, off=0):
    return lambda x: x**(step*i+off)
def report(name, c, approx, ref, lo, hi):
    xs = [lo + (hi-lo)*i/2000 for i in range(2001)]
    e = max(abs(approx(c, x)/ref(x) - 1) for x in xs)
    print("// %s: relative error %.3g (%.2f ulp)" % (name, float(e), float(e)/2**-24))
    print("%s = []float64{%s}" % (name, ", ".join(float(v).hex() for v in c)))
# e^r on [-0.35, 0.35], degree 6.
lo, hi = mp.mpf(-0.35), mp.mpf(0.35)
c = seqround(chebnodes(lo, hi, 60), mp.exp, [power(i) for i in range(7)], lambda r: 1/mp.exp(r))
report("geluExp32", c, lambda c, r: sum(c[i]*r**i for i in range(len(c))), mp.exp, lo, hi)
# Φ(x) - ½ ≈ x·P(x²) on [-1, 1], degree 5 in x².
c = seqround(chebnodes(mp.mpf(-1), mp.mpf(1), 80), lambda x: mp.ncdf(x) - mp.mpf(1)/2,
             [power(i, 2, 1) for i in range(6)], lambda x: 1/mp.ncdf(x))
report("geluPhi32", c, lambda c, x: mp.mpf(1)/2 + sum(c[i]*x**(2*i+1) for i in range(len(c))), mp.ncdf, mp.mpf(-1), mp.mpf(1))
# Q(y) ≈ Φ(-a)·e^(a²/2)/d, d = 1/(K+a), y = α·d + β on a ∈ [1, 14.6], degree 7.
K, amin, amax = mp.mpf(3), mp.mpf(1), mp.mpf(14.6)
tmin, tmax = K/(K+amax), K/(K+amin)
al, be = mp.mpf(f32(2*K/(tmax-tmin))), mp.mpf(f32(-(tmax+tmin)/(tmax-tmin)))
def G(y):
    d = (y - be)/al
    a = 1/d - K
    return mp.ncdf(-a)*mp.exp(a*a/2)/d
ylo, yhi = al/(K+amax) + be, al/(K+amin) + be
c = seqround(chebnodes(ylo, yhi, 60), G, [power(i) for i in range(8)], lambda y: 1/G(y))
print("// geluQAlpha32 = %s, geluQBeta32 = %s" % (float(al).hex(), float(be).hex()))
report("geluQ32", c, lambda c, y: sum(c[i]*y**i for i in range(len(c))), G, ylo, yhi)
