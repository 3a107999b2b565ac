package gguf

import "math"

// Get returns the value of a metadata key.
func (f *File) Get(key string) (any, bool) {
	i, ok := f.keys[key]
	if !ok {
		return nil, false
	}
	return f.KV[i].Value, true
}

// GetString returns a string value.
func (f *File) GetString(key string) (string, bool) {
	v, _ := f.Get(key)
	s, ok := v.(string)
	return s, ok
}

// GetBool returns a bool value.
func (f *File) GetBool(key string) (bool, bool) {
	v, _ := f.Get(key)
	b, ok := v.(bool)
	return b, ok
}

// GetUint returns a non-negative value of any integer type as uint64.
func (f *File) GetUint(key string) (uint64, bool) {
	v, _ := f.Get(key)
	switch x := v.(type) {
	case uint8:
		return uint64(x), true
	case uint16:
		return uint64(x), true
	case uint32:
		return uint64(x), true
	case uint64:
		return x, true
	}
	i, ok := f.GetInt(key)
	if !ok || i < 0 {
		return 0, false
	}
	return uint64(i), true
}

// GetInt returns a value of any integer type as int64 (false for a uint64
// above math.MaxInt64).
func (f *File) GetInt(key string) (int64, bool) {
	v, _ := f.Get(key)
	switch x := v.(type) {
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		if x > math.MaxInt64 {
			return 0, false
		}
		return int64(x), true
	}
	return 0, false
}

// GetFloat returns a float32 or float64 value as float64.
func (f *File) GetFloat(key string) (float64, bool) {
	v, _ := f.Get(key)
	switch x := v.(type) {
	case float32:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// GetStrings returns an array of strings.
func (f *File) GetStrings(key string) ([]string, bool) {
	v, _ := f.Get(key)
	s, ok := v.([]string)
	return s, ok
}

// GetFloat32s returns an array of float32.
func (f *File) GetFloat32s(key string) ([]float32, bool) {
	v, _ := f.Get(key)
	s, ok := v.([]float32)
	return s, ok
}

// GetInt32s returns an array of int32.
func (f *File) GetInt32s(key string) ([]int32, bool) {
	v, _ := f.Get(key)
	s, ok := v.([]int32)
	return s, ok
}
