module github.com/crumbhq/crumb/bench

go 1.26.0

require (
	aidanwoods.dev/go-paseto v1.6.0
	github.com/alexedwards/scs/v2 v2.9.0
	github.com/crumbhq/crumb v0.0.0
	github.com/gorilla/securecookie v1.1.2
	github.com/gorilla/sessions v1.4.0
	golang.org/x/crypto v0.58.0
)

require (
	aidanwoods.dev/go-result v0.3.1 // indirect
	github.com/klauspost/compress v1.20.3 // indirect
	golang.org/x/sys v0.49.0 // indirect
)

replace github.com/crumbhq/crumb => ../
