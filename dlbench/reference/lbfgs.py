"""NumPy reference of ``torch.optim.LBFGS.step(closure)``: torch 2.13's code with arrays for tensors.

Kept in torch's structure (Python lists for the history, ``pop(0)`` then ``append``) so that it
can be read side by side with ``torch/optim/lbfgs.py``. ``closure(theta) -> (loss, grad)``
evaluates the objective at ``theta``; ``state`` is a dict carried from one step (epoch) to the
next, as torch's ``optimizer.state``.
"""

from __future__ import annotations

import numpy as np

from ..optimizers.lbfgs import RULE_LBFGS


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """Minimiser of the cubic through two points with values and slopes, clamped to ``bounds``."""
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square >= 0:
        d2 = np.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def _strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """Line search for a step ``t`` along ``d`` meeting the strong Wolfe conditions
    (``f(x + t d) <= f + c1 t gtd`` and ``|g(x + t d).d| <= -c2 gtd``): bracketing, then zoom."""
    d_norm = np.abs(d).max()
    g = g.copy()
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = g_new.dot(d)

    # bracket an interval containing a point satisfying the Wolfe criteria
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket = [t_prev, t]
            bracket_f = [f_prev, f_new]
            bracket_g = [g_prev, g_new.copy()]
            bracket_gtd = [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket = [t]
            bracket_f = [f_new]
            bracket_g = [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket = [t_prev, t]
            bracket_f = [f_prev, f_new]
            bracket_g = [g_prev, g_new.copy()]
            bracket_gtd = [gtd_prev, gtd_new]
            break
        # interpolate
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step))
        # next step
        t_prev = tmp
        f_prev = f_new
        g_prev = g_new.copy()
        gtd_prev = gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1

    # reached max number of iterations?
    if ls_iter == max_ls:
        bracket = [0, t]
        bracket_f = [f, f_new]
        bracket_g = [g, g_new]

    # zoom phase: refine the bracket until a point meets the conditions
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])
        # move t 0.1 of the bracket away from a boundary if progress is insufficient
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            # Armijo condition not satisfied or not lower than lowest point
            bracket[high_pos] = t
            bracket_f[high_pos] = f_new
            bracket_g[high_pos] = g_new.copy()
            bracket_gtd[high_pos] = gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                # old high becomes new low
                bracket[high_pos] = bracket[low_pos]
                bracket_f[high_pos] = bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            # new point becomes new low
            bracket[low_pos] = t
            bracket_f[low_pos] = f_new
            bracket_g[low_pos] = g_new.copy()
            bracket_gtd[low_pos] = gtd_new

    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


def lbfgs_step(theta, closure, state, hp, lr):
    """One ``LBFGS.step(closure)``: moves ``theta`` in place; returns the loss at the start.

    ``hp`` holds the checked hyperparameters (``history_size``, ``max_iter``, ``max_eval`` or
    ``None``, ``tolerance_grad``, ``tolerance_change``, ``line_search_fn``).
    """
    max_iter = hp["max_iter"]
    max_eval = hp["max_eval"] if hp["max_eval"] is not None else max_iter * 5 // 4
    tolerance_grad = hp["tolerance_grad"]
    tolerance_change = hp["tolerance_change"]
    history_size = hp["history_size"]
    strong_wolfe = hp["line_search_fn"] == "strong_wolfe"

    state.setdefault("func_evals", 0)
    state.setdefault("n_iter", 0)

    # evaluate initial f(x) and df/dx
    orig_loss, flat_grad = closure(theta)
    loss = float(orig_loss)
    current_evals = 1
    state["func_evals"] += 1
    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
    if opt_cond:
        return orig_loss

    d = state.get("d")
    t = state.get("t")
    old_dirs = state.get("old_dirs")
    old_stps = state.get("old_stps")
    ro = state.get("ro")
    H_diag = state.get("H_diag")
    prev_flat_grad = state.get("prev_flat_grad")
    prev_loss = state.get("prev_loss")

    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        state["n_iter"] += 1

        # compute the descent direction
        if state["n_iter"] == 1:
            d = -flat_grad
            old_dirs, old_stps, ro = [], [], []
            H_diag = 1
        else:
            # update the memory
            y = flat_grad - prev_flat_grad
            s = d * t
            ys = y.dot(s)
            if ys > 1e-10:
                if len(old_dirs) == history_size:
                    old_dirs.pop(0)
                    old_stps.pop(0)
                    ro.pop(0)
                old_dirs.append(y)
                old_stps.append(s)
                ro.append(1.0 / ys)
                H_diag = ys / y.dot(y)
            # two-loop recursion: d = -H g
            num_old = len(old_dirs)
            al = [None] * history_size
            q = -flat_grad
            for i in range(num_old - 1, -1, -1):
                al[i] = old_stps[i].dot(q) * ro[i]
                q = q + (-al[i]) * old_dirs[i]
            d = r = q * H_diag
            for i in range(num_old):
                be_i = old_dirs[i].dot(r) * ro[i]
                r = r + (al[i] - be_i) * old_stps[i]
            d = r

        prev_flat_grad = flat_grad.copy()
        prev_loss = loss

        # step length
        if state["n_iter"] == 1:
            t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr
        else:
            t = lr

        gtd = flat_grad.dot(d)
        if gtd > -tolerance_change:
            break

        ls_func_evals = 0
        if strong_wolfe:
            x_init = theta.copy()

            def obj_func(x, t, d):
                return closure(x + t * d)

            loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                obj_func, x_init, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals
            )
            theta += t * d
            opt_cond = np.abs(flat_grad).max() <= tolerance_grad
        else:
            theta += t * d
            if n_iter != max_iter:
                loss, flat_grad = closure(theta)
                loss = float(loss)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                ls_func_evals = 1

        current_evals += ls_func_evals
        state["func_evals"] += ls_func_evals

        # termination tests
        if n_iter == max_iter:
            break
        if current_evals >= max_eval:
            break
        if opt_cond:
            break
        if np.abs(d * t).max() <= tolerance_change:
            break
        if abs(loss - prev_loss) < tolerance_change:
            break

    state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=H_diag,
                 prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
    return orig_loss


REFERENCE_CLOSURE_RULES = {RULE_LBFGS: lbfgs_step}
"""Rules that take a closure instead of a gradient: ``rule(theta, closure, state, hp, lr)``."""
