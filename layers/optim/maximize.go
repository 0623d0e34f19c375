package optim

// MaximizeOption makes an optimizer maximize its objective; it configures
// every optimizer in this package.
type MaximizeOption struct{}

// Maximize makes the optimizer climb the objective instead of descending
// it, as torch.optim's maximize=True: each step uses −g wherever it would
// use the gradient g, the sign flipped first, before the L2 weight decay
// λ·W is added (so weight decay still pulls the weights towards zero, and
// AdamW's decoupled decay is unchanged). Torch 1.13 has maximize for SGD,
// Adam, AdamW, RMSprop, Adagrad, Adamax and Adadelta, and flips the sign
// first in each; its NAdam and RAdam gained it later, flipping it first
// too, which is what NAdam and RAdam do here. The gradients themselves are
// left as they are.
func Maximize() MaximizeOption { return MaximizeOption{} }

func (MaximizeOption) applySGD(c *sgdConfig)           { c.maximize = true }
func (MaximizeOption) applyAdam(c *adamConfig)         { c.maximize = true }
func (MaximizeOption) applyRMSProp(c *rmspropConfig)   { c.maximize = true }
func (MaximizeOption) applyAdagrad(c *adagradConfig)   { c.maximize = true }
func (MaximizeOption) applyNAdam(c *momentsConfig)     { c.maximize = true }
func (MaximizeOption) applyRAdam(c *momentsConfig)     { c.maximize = true }
func (MaximizeOption) applyAdamax(c *momentsConfig)    { c.maximize = true }
func (MaximizeOption) applyAdadelta(c *adadeltaConfig) { c.maximize = true }
