package testutil

import (
	"context"
	"fmt"
	"time"

	"github.com/chromedp/cdproto/fedcm"
	"github.com/chromedp/chromedp"
)

// FedCMCall evaluates expr in tab, a page expression whose promise calls
// navigator.credentials.get({identity: …}), and answers the browser's
// FedCM dialogs meanwhile as a user who picks the first account: the
// account chooser gets it selected over the DevTools FedCm domain (with no
// rejection delay), an automatic re-authentication is left to the browser,
// and any other dialog (the "sign in to the provider" one when no account
// came back) is dismissed. It returns what the promise resolved to and
// the dialogs shown; an error is the evaluation's or a dialog answer's.
func FedCMCall[T any](tab context.Context, expr string, timeout time.Duration) (T, []*fedcm.EventDialogShown, error) {
	var zero T
	dialogs := make(chan *fedcm.EventDialogShown, 4)
	lctx, stop := context.WithCancel(tab)
	defer stop()
	if err := chromedp.Listen(lctx, func(ev any) {
		if d, ok := ev.(*fedcm.EventDialogShown); ok {
			select {
			case dialogs <- d:
			default:
			}
		}
	}); err != nil {
		return zero, nil, err
	}
	if _, err := chromedp.Call(tab, fedcm.Enable, fedcm.EnableParams{DisableRejectionDelay: new(true)}); err != nil {
		return zero, nil, fmt.Errorf("FedCm.enable: %w", err)
	}
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(tab, timeout)
		defer cancel()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
		done <- result{v, err}
	}()
	var shown []*fedcm.EventDialogShown
	for {
		select {
		case d := <-dialogs:
			shown = append(shown, d)
			var err error
			switch d.DialogType {
			case fedcm.DialogTypeAccountChooser:
				if _, err = chromedp.Call(tab, fedcm.SelectAccount, fedcm.SelectAccountParams{DialogID: d.DialogID, AccountIndex: 0}); err != nil {
					err = fmt.Errorf("FedCm.selectAccount: %w (%d accounts)", err, len(d.Accounts))
				}
			case fedcm.DialogTypeAutoReauthn:
				// the browser signs the returning user in by itself
			default:
				if _, err = chromedp.Call(tab, fedcm.DismissDialog, fedcm.DismissDialogParams{DialogID: d.DialogID}); err != nil {
					err = fmt.Errorf("FedCm.dismissDialog: %w", err)
				}
			}
			if err != nil {
				return zero, shown, err
			}
		case r := <-done:
			return r.v, shown, r.err
		}
	}
}
