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
